#pragma once
// A runtime's DNS engine: one shared cache, and on each worker (created on first use) a c-ares
// driver, its in-flight merging and a random engine for SRV weights. A URL resolves on the worker
// its host name hashes to, so identical questions meet on one worker and share one query.
// Thread safety: resolve() from any thread; stop_on() on each worker from runtime::stop.

#include <atomic>
#include <memory>
#include <random>
#include <vector>

#include "core/route_plan.hpp"
#include "core/worker.hpp"
#include "dns/ares_driver.hpp"
#include "dns/dns_cache.hpp"
#include "dns/dns_lookup.hpp"
#include "dns/uri_resolution.hpp"

namespace polyport::detail {

class resolver {
 public:
  resolver(const std::vector<std::unique_ptr<worker>>& workers, dns_settings settings);
  ~resolver();
  resolver(const resolver&) = delete;
  resolver& operator=(const resolver&) = delete;

  // `done` runs on a worker (at once, on the caller's thread, for an IP literal).
  void resolve(resolve_request request, destinations_handler done);
  // Ends `w`'s driver: its pending resolutions fail with "the resolver was stopped".
  void stop_on(worker& w);

 private:
  struct worker_slot;
  result<worker_slot*> slot_on(worker& w);

  const std::vector<std::unique_ptr<worker>>& workers_;
  dns_settings settings_;
  dns_cache cache_;
  std::vector<std::unique_ptr<worker_slot>> slots_;  // by worker index; each touched by its worker only
  std::atomic<bool> stopped_{false};
};

// What resolving `route` asks: its host, the port and transport the URL itself gave, its
// protocol, and the dns_cache_ttl / no_dns_cache options.
resolve_request request_for(const route_plan& route, bool listen);

}  // namespace polyport::detail
