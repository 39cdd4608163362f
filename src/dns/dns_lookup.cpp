#include "dns/dns_lookup.hpp"

#include <memory>
#include <optional>

namespace polyport::detail {

void dns_lookup::find(const std::string& name, record_type type, const lookup_policy& policy, answer_handler done) {
  if (policy.read_cache) {
    if (auto kept = cache_.find(name, type)) {
      done(std::move(*kept));
      return;
    }
  }
  key question{name, type};
  auto [waiting, first] = in_flight_.try_emplace(question);
  waiting->second.push_back(std::move(done));
  if (!first) {
    return;
  }
  source_.query(name, type, [this, question, limits = policy.limits](result<dns_answer> outcome) {
    answered(question, limits, std::move(outcome));
  });
}

void dns_lookup::answered(const key& question, const ttl_limits& limits, result<dns_answer> outcome) {
  if (outcome) {
    cache_.store(question.first, question.second, *outcome, limits);
  }
  auto waiting = in_flight_.extract(question);
  if (waiting.empty()) {
    return;
  }
  for (auto& done : waiting.mapped()) {
    done(outcome);
  }
}

void find_all(dns_lookup& lookup, const lookup_policy& policy, std::vector<question> questions,
              std::function<void(std::vector<result<dns_answer>>)> done) {
  struct gathering {
    std::vector<std::optional<result<dns_answer>>> outcomes;
    std::size_t remaining;
    std::function<void(std::vector<result<dns_answer>>)> done;
  };
  if (questions.empty()) {
    done({});
    return;
  }
  auto state = std::make_shared<gathering>(
      gathering{std::vector<std::optional<result<dns_answer>>>(questions.size()), questions.size(), std::move(done)});
  for (std::size_t i = 0; i < questions.size(); ++i) {
    lookup.find(questions[i].name, questions[i].type, policy, [state, i](result<dns_answer> outcome) {
      state->outcomes[i] = std::move(outcome);
      if (--state->remaining == 0) {
        std::vector<result<dns_answer>> all;
        all.reserve(state->outcomes.size());
        for (auto& one : state->outcomes) {
          all.push_back(std::move(*one));
        }
        state->done(std::move(all));
      }
    });
  }
}

}  // namespace polyport::detail
