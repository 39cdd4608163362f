#include "dns/resolver.hpp"

#include <functional>

namespace polyport::detail {

struct resolver::worker_slot {
  std::unique_ptr<ares_driver> driver;
  std::unique_ptr<dns_lookup> lookup;
  std::mt19937_64 random{std::random_device{}()};
};

resolver::resolver(const std::vector<std::unique_ptr<worker>>& workers, dns_settings settings)
    : workers_(workers), settings_(std::move(settings)), slots_(workers.size()) {}

// Slots left by a runtime that never stopped go with their workers' loops already joined.
resolver::~resolver() = default;

void resolver::resolve(resolve_request request, destinations_handler done) {
  if (auto literal = resolve_literal(request)) {
    done(std::move(*literal));
    return;
  }
  worker& home = *workers_[std::hash<std::string>{}(request.host) % workers_.size()];
  home.post([this, &home, request = std::move(request), done = std::move(done)]() mutable {
    auto slot = slot_on(home);
    if (!slot) {
      done(error{"cannot resolve \"" + request.host + "\": " + slot.error().message});
      return;
    }
    resolve_uri(*(*slot)->lookup, (*slot)->random, std::move(request), std::move(done));
  });
}

result<resolver::worker_slot*> resolver::slot_on(worker& w) {
  if (stopped_) {
    return error{"the resolver was stopped"};
  }
  std::unique_ptr<worker_slot>& slot = slots_[w.index()];
  if (!slot) {
    auto driver = ares_driver::create(w.io(), settings_);
    if (!driver) {
      return driver.error();
    }
    slot = std::make_unique<worker_slot>();
    slot->driver = std::move(*driver);
    slot->lookup = std::make_unique<dns_lookup>(*slot->driver, cache_);
  }
  return slot.get();
}

void resolver::stop_on(worker& w) {
  stopped_ = true;
  std::unique_ptr<worker_slot>& slot = slots_[w.index()];
  if (slot) {
    slot->driver.reset();  // fails what is pending while the lookup is still there to hear it
    slot.reset();
  }
}

resolve_request request_for(const route_plan& route, bool listen) {
  resolve_request request;
  request.scheme = route.scheme;
  request.host = route.host;
  request.kind = route.kind;
  if (route.port_given) {
    request.port = route.port;
  }
  if (route.transport_given) {
    request.transport = route.transport;
  }
  request.handler = route.handler;
  request.listen = listen;
  request.policy.read_cache = !route.opts.no_dns_cache.value_or(false);
  if (route.opts.dns_cache_ttl) {
    request.policy.limits.cap = *route.opts.dns_cache_ttl;
  }
  return request;
}

}  // namespace polyport::detail
