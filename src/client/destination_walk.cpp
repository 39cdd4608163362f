#include "client/destination_walk.hpp"

#include "core/runtime_state.hpp"
#include "dns/resolver.hpp"

namespace polyport::detail {

namespace {

class destination_walk : public std::enable_shared_from_this<destination_walk> {
 public:
  destination_walk(std::shared_ptr<runtime::state> owner, std::vector<route_plan> routes, destination_attempt attempt,
                   connect_handler done)
      : owner_(std::move(owner)), routes_(std::move(routes)), attempt_(std::move(attempt)), done_(std::move(done)) {}

  void next_route() {
    if (route_index_ == routes_.size()) {
      finish_failed();
      return;
    }
    const route_plan& route = routes_[route_index_];
    destinations_.clear();
    destination_index_ = 0;
    if (route.transport == transport::unix_stream) {
      endpoint at;
      at.path = route.unix_path;
      destinations_.push_back({transport::unix_stream, std::move(at)});
      next_destination();
      return;
    }
    owner_->dns->resolve(request_for(route, false),
                         [self = shared_from_this()](result<std::vector<destination>> found) {
                           if (!found) {
                             self->record_failure(found.error().message);
                             self->advance_route();
                             return;
                           }
                           self->destinations_ = std::move(*found);
                           self->next_destination();
                         });
  }

 private:
  void next_destination() {
    if (destination_index_ == destinations_.size()) {
      advance_route();
      return;
    }
    const destination& next = destinations_[destination_index_++];
    attempt_route_ = routes_[route_index_];
    attempt_route_.transport = next.transport;
    attempt_route_.opts.transport = next.transport;
    // DNS may lead to a transport the runtime does not build yet: that destination fails.
    if (auto supported = check_supported(attempt_route_.opts); !supported) {
      record_failure("connect to " + next.to_string() + ": " + supported.error().message);
      next_destination();
      return;
    }
    attempt_(attempt_route_, next.address, [self = shared_from_this()](result<connection_ref> outcome) {
      if (outcome) {
        self->done_(std::move(outcome));
        return;
      }
      self->record_failure(outcome.error().message);
      self->next_destination();
    });
  }

  void advance_route() {
    ++route_index_;
    next_route();
  }

  void record_failure(std::string why) {
    ++failures_;
    last_error_ = std::move(why);
  }

  void finish_failed() {
    if (failures_ <= 1) {
      done_(error{last_error_});
    } else {
      done_(error{std::to_string(failures_) + " destinations failed; last: " + last_error_});
    }
  }

  std::shared_ptr<runtime::state> owner_;
  std::vector<route_plan> routes_;
  destination_attempt attempt_;
  connect_handler done_;
  std::size_t route_index_ = 0;
  std::vector<destination> destinations_;
  std::size_t destination_index_ = 0;
  route_plan attempt_route_;  // the current route with the current destination's transport
  std::size_t failures_ = 0;
  std::string last_error_;
};

}  // namespace

void walk_destinations(std::shared_ptr<runtime::state> owner, std::vector<route_plan> routes,
                       destination_attempt attempt, connect_handler done) {
  auto walk = std::make_shared<destination_walk>(std::move(owner), std::move(routes), std::move(attempt), std::move(done));
  walk->next_route();
}

}  // namespace polyport::detail
