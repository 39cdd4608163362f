#include "polyport/runtime.hpp"

#include "client/connection_pool.hpp"
#include "client/connector.hpp"
#include "client/destination_walk.hpp"
#include "core/route_plan.hpp"
#include "core/runtime_state.hpp"
#include "core/stream_connection.hpp"
#include "dns/resolver.hpp"
#include "listener/stream_listener.hpp"
#include "stun/listener_responder.hpp"
#include "listener/udp_listener.hpp"

namespace polyport {

namespace {

template <class Start>
std::future<result<connection_ref>> as_future(Start start) {
  auto promise = std::make_shared<std::promise<result<connection_ref>>>();
  auto future = promise->get_future();
  start([promise](result<connection_ref> outcome) { promise->set_value(std::move(outcome)); });
  return future;
}

// Listening on a name resolves it to addresses only, no NAPTR or SRV (NkPACKET's
// resolve_type=listen), and binds the first. Blocks: never called on a worker.
result<void> resolve_listen_host(runtime::state& owner, detail::route_plan& plan) {
  if (plan.transport == transport::unix_stream || plan.kind != host_kind::name) {
    return {};
  }
  std::promise<result<std::vector<destination>>> promise;
  auto found = promise.get_future();
  owner.dns->resolve(detail::request_for(plan, true),
                     [&promise](result<std::vector<destination>> outcome) { promise.set_value(std::move(outcome)); });
  auto addresses = found.get();
  if (!addresses) {
    return error{"cannot listen on \"" + plan.url_text + "\": " + addresses.error().message};
  }
  const ip_address& first = addresses->front().address.address;
  plan.host = first.to_string();
  plan.kind = first.is_v6 ? host_kind::ipv6 : host_kind::ipv4;
  return {};
}

}  // namespace

runtime::runtime(runtime_options settings) : state_(std::make_shared<state>(settings)) {}

runtime::~runtime() {
  stop();
}

void runtime::register_protocol(std::string_view scheme, std::shared_ptr<protocol> handler) {
  state_->registry.add("", scheme, std::move(handler));
}

void runtime::register_protocol(std::string_view class_name, std::string_view scheme, std::shared_ptr<protocol> handler) {
  state_->registry.add(class_name, scheme, std::move(handler));
}

std::shared_ptr<protocol> runtime::find_protocol(std::string_view class_name, std::string_view scheme) const {
  return state_->registry.find(class_name, scheme);
}

result<void> runtime::check_listen(std::string_view url, const options& overrides) const {
  auto plan = detail::plan_listener(state_->registry, url, overrides);
  if (!plan) {
    return plan.error();
  }
  if (auto resolved = resolve_listen_host(*state_, *plan); !resolved) {
    return resolved.error();
  }
  if (plan->transport == transport::udp || plan->transport == transport::dtls) {
    return detail::udp_listener::check(*plan);
  }
  return detail::stream_listener::check(*plan);
}

result<std::shared_ptr<listener>> runtime::listen(std::string_view url, const options& overrides,
                                                  std::shared_ptr<void> user_data) {
  if (state_->stopped) {
    return error{"the runtime is stopped"};
  }
  auto plan = detail::plan_listener(state_->registry, url, overrides);
  if (!plan) {
    return plan.error();
  }
  if (auto resolved = resolve_listen_host(*state_, *plan); !resolved) {
    return resolved.error();
  }
  std::shared_ptr<detail::owned_listener> started;
  if (plan->transport == transport::udp || plan->transport == transport::dtls) {
    auto stun = detail::stun_interceptor_for(*plan);
    auto udp = detail::udp_listener::start(state_, std::move(*plan), std::move(user_data), std::move(stun));
    if (!udp) {
      return udp.error();
    }
    started = *udp;
  } else {
    auto stream = detail::stream_listener::start(state_, std::move(*plan), std::move(user_data));
    if (!stream) {
      return stream.error();
    }
    started = *stream;
  }
  state_->add_listener(started);
  return std::shared_ptr<listener>(started);
}

void runtime::connect(std::string_view urls, const options& overrides, connect_handler done,
                      std::shared_ptr<void> user_data) {
  auto routes = detail::plan_routes(state_->registry, urls, overrides);
  if (!routes) {
    done(routes.error());
    return;
  }
  std::shared_ptr<state> owner = state_;
  auto attempt = [owner, user_data](const detail::route_plan& route, const endpoint& destination,
                                    detail::attempt_done next) {
    auto context = detail::make_outbound_context(*owner, route, user_data);
    std::string key = detail::pool_key(route, destination);
    detail::connect_to(*owner, owner->least_loaded_worker(), route, std::move(context), destination,
                       [owner, key, next](result<connection_ref> outcome) {
                         if (outcome) {
                           owner->pool->add(key, *outcome);
                         }
                         next(std::move(outcome));
                       });
  };
  detail::walk_destinations(state_, std::move(*routes), std::move(attempt), std::move(done));
}

std::future<result<connection_ref>> runtime::connect(std::string_view urls, const options& overrides) {
  return as_future([&](connect_handler done) { connect(urls, overrides, std::move(done)); });
}

void runtime::send(std::string_view urls, std::span<const std::byte> message, const options& overrides,
                   connect_handler done) {
  auto routes = detail::plan_routes(state_->registry, urls, overrides);
  if (!routes) {
    done(routes.error());
    return;
  }
  std::shared_ptr<state> owner = state_;
  auto payload = std::make_shared<const std::vector<std::byte>>(message.begin(), message.end());
  auto attempt = [owner, payload](const detail::route_plan& planned, const endpoint& destination,
                                  detail::attempt_done next) {
    auto sized = detail::fit_datagram(planned, payload->size());
    if (!sized) {
      next(sized.error());
      return;
    }
    const detail::route_plan& route = *sized;
    // Queues the message on the connection's worker; a connection that closed in between counts
    // as a failed destination.
    auto deliver = [payload, next](const connection_ref& ref) {
      ref.dispatch(
          [payload, next, ref](connection& conn) {
            if (conn.send(*payload)) {
              next(ref);
            } else {
              next(error{"the connection refused the message (closing, or larger than its framer allows)"});
            }
          },
          [next] { next(error{"the connection closed before the message was sent"}); });
    };
    auto on_connected = [deliver, next](result<connection_ref> outcome) {
      if (outcome) {
        deliver(*outcome);
      } else {
        next(std::move(outcome));
      }
    };
    std::string key = detail::pool_key(route, destination);
    auto connect_new = [&owner, &route, &destination](detail::attempt_done connected) {
      detail::connect_to(*owner, owner->least_loaded_worker(), route, detail::make_outbound_context(*owner, route, nullptr),
                         destination, std::move(connected));
    };
    if (route.opts.force_new.value_or(false)) {
      connect_new([owner, key, on_connected](result<connection_ref> outcome) {
                           if (outcome) {
                             owner->pool->add(key, *outcome);
                           }
                           on_connected(std::move(outcome));
                         });
      return;
    }
    auto joined = owner->pool->join(key, on_connected);
    if (joined.open) {
      deliver(*joined.open);
    } else if (joined.lead) {
      connect_new([owner, key](result<connection_ref> outcome) { owner->pool->settle(key, outcome); });
    }
  };
  detail::walk_destinations(state_, std::move(*routes), std::move(attempt), std::move(done));
}

std::future<result<connection_ref>> runtime::send(std::string_view urls, std::span<const std::byte> message,
                                                  const options& overrides) {
  return as_future([&](connect_handler done) { send(urls, message, overrides, std::move(done)); });
}

void runtime::resolve(std::string_view urls, const options& overrides, resolve_handler done) {
  auto routes = detail::plan_routes(state_->registry, urls, overrides);
  if (!routes) {
    done(routes.error());
    return;
  }
  // Each route in turn, its destinations appended: the order connect and send try them.
  struct gathering : std::enable_shared_from_this<gathering> {
    std::shared_ptr<state> owner;
    std::vector<detail::route_plan> routes;
    std::size_t next = 0;
    std::vector<destination> found;
    resolve_handler done;
    void step() {
      while (next < routes.size() && routes[next].transport == transport::unix_stream) {
        endpoint at;
        at.path = routes[next++].unix_path;
        found.push_back({transport::unix_stream, at});
      }
      if (next == routes.size()) {
        done(std::move(found));
        return;
      }
      owner->dns->resolve(detail::request_for(routes[next++], false),
                          [self = shared_from_this()](result<std::vector<destination>> outcome) {
                            if (!outcome) {
                              self->done(outcome.error());
                              return;
                            }
                            self->found.insert(self->found.end(), outcome->begin(), outcome->end());
                            self->step();
                          });
    }
  };
  auto walk = std::make_shared<gathering>();
  walk->owner = state_;
  walk->routes = std::move(*routes);
  walk->done = std::move(done);
  walk->step();
}

std::future<result<std::vector<destination>>> runtime::resolve(std::string_view urls, const options& overrides) {
  auto promise = std::make_shared<std::promise<result<std::vector<destination>>>>();
  auto future = promise->get_future();
  resolve(urls, overrides,
          [promise](result<std::vector<destination>> outcome) { promise->set_value(std::move(outcome)); });
  return future;
}

std::vector<std::shared_ptr<listener>> runtime::listeners() const {
  auto list = state_->listener_list();
  return {list.begin(), list.end()};
}

connection_stats runtime::stats() const {
  return state_->totals->snapshot();
}

connection_stats runtime::client_stats() const {
  return state_->client_totals->snapshot();
}

unsigned runtime::worker_count() const {
  return static_cast<unsigned>(state_->workers.size());
}

void runtime::stop() {
  if (state_->stopped.exchange(true)) {
    return;
  }
  for (auto& started : state_->listener_list()) {
    started->stop_for_runtime();
  }
  state_->on_every_worker([](detail::worker& w) {
    w.for_each_connection([](detail::registered_connection& conn) { conn.terminate(close_reason::runtime_stopped); });
  });
  state_->on_every_worker([this](detail::worker& w) { state_->dns->stop_on(w); });
  // Closed connections free themselves through their worker's queue: let that run first, so
  // nothing is destroyed on another thread.
  state_->on_every_worker([](detail::worker&) {});
  for (auto& w : state_->workers) {
    w->stop_and_join();
  }
}

}  // namespace polyport
