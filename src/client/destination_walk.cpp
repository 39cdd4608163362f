#include "client/destination_walk.hpp"

#include <boost/asio/ip/tcp.hpp>

#include "core/runtime_state.hpp"

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
    addresses_.clear();
    address_index_ = 0;
    if (route.transport == transport::unix_stream) {
      endpoint at;
      at.path = route.unix_path;
      addresses_.push_back(std::move(at));
      next_address();
      return;
    }
    if (auto literal = ip_address::parse(route.host)) {
      addresses_.push_back(endpoint{*literal, *route.port, {}});
      next_address();
      return;
    }
    resolve(route);
  }

 private:
  void resolve(const route_plan& route) {
    worker& home = owner_->least_loaded_worker();
    auto resolver = std::make_shared<boost::asio::ip::tcp::resolver>(home.io());
    home.post([self = shared_from_this(), resolver, host = route.host, port = *route.port] {
      resolver->async_resolve(host, std::to_string(port),
                              [self, resolver, host](const boost::system::error_code& failure,
                                                     const boost::asio::ip::tcp::resolver::results_type& found) {
                                if (failure) {
                                  self->record_failure("cannot resolve \"" + host + "\": " + failure.message());
                                  self->advance_route();
                                  return;
                                }
                                for (const auto& entry : found) {
                                  const auto& address = entry.endpoint().address();
                                  endpoint at;
                                  at.port = entry.endpoint().port();
                                  if (address.is_v6()) {
                                    at.address.is_v6 = true;
                                    auto bytes = address.to_v6().to_bytes();
                                    std::copy(bytes.begin(), bytes.end(), at.address.bytes.begin());
                                  } else {
                                    auto bytes = address.to_v4().to_bytes();
                                    std::copy(bytes.begin(), bytes.end(), at.address.bytes.begin());
                                  }
                                  self->addresses_.push_back(at);
                                }
                                self->next_address();
                              });
    });
  }

  void next_address() {
    if (address_index_ == addresses_.size()) {
      advance_route();
      return;
    }
    const endpoint& destination = addresses_[address_index_++];
    attempt_(routes_[route_index_], destination, [self = shared_from_this()](result<connection_ref> outcome) {
      if (outcome) {
        self->done_(std::move(outcome));
        return;
      }
      self->record_failure(outcome.error().message);
      self->next_address();
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
  std::vector<endpoint> addresses_;
  std::size_t address_index_ = 0;
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
