// The states shopd stores and shows: a job's state, an order's status and a
// step's public state (SPEC sections 3 and 4). Each list lives here once; the
// database stores, and the API shows, exactly these names. Text becomes an
// enum where a row is read (store/) or a request is parsed (http/, cli/), and
// only there.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace shopd {

namespace detail {

template <class E, size_t N>
constexpr std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& names, E value) {
  for (const auto& [v, name] : names)
    if (v == value) return name;
  return names[0].second;
}

template <class E, size_t N>
constexpr std::optional<E> parse_name(const std::array<std::pair<E, std::string_view>, N>& names,
                                      std::string_view text) {
  for (const auto& [v, name] : names)
    if (name == text) return v;
  return std::nullopt;
}

}  // namespace detail

// A stored outbox job. How a job leaves each state:
//   Pending    a worker claims it (-> Running)
//   Running    its attempt ends (-> Done | Retrying | Dead), or its lease
//              expires / the process stops (-> Retrying, run again; the
//              interrupted attempt does not count)
//   Retrying   run_at comes and a worker claims it (-> Running)
//   Done       never (pruned after retention.done_job_days)
//   Dead       only by an owner: retry (-> Pending, attempts reset) or
//              discard (-> Discarded)
//   Discarded  never: an owner decided it will not run again
enum class JobState { Pending, Running, Retrying, Done, Dead, Discarded };

inline constexpr std::array<std::pair<JobState, std::string_view>, 6> kJobStateNames = {{
    {JobState::Pending, "pending"},
    {JobState::Running, "running"},
    {JobState::Retrying, "retrying"},
    {JobState::Done, "done"},
    {JobState::Dead, "dead"},
    {JobState::Discarded, "discarded"},
}};

constexpr std::string_view to_string(JobState s) { return detail::name_of(kJobStateNames, s); }
constexpr std::optional<JobState> parse_job_state(std::string_view text) {
  return detail::parse_name(kJobStateNames, text);
}
// Dead or discarded: the job will not run again unless an owner retries it.
constexpr bool is_given_up(JobState s) { return s == JobState::Dead || s == JobState::Discarded; }

// An order's status, derived from its jobs and a few facts about the order
// (outbox/job_state.cpp, derive_order_status, which also gives the precedence).
enum class OrderStatus { Received, ActionRequired, Paid, Completed, PaymentFailed, NeedsAttention, Cancelled, Refunded };

inline constexpr std::array<std::pair<OrderStatus, std::string_view>, 8> kOrderStatusNames = {{
    {OrderStatus::Received, "received"},
    {OrderStatus::ActionRequired, "action_required"},
    {OrderStatus::Paid, "paid"},
    {OrderStatus::Completed, "completed"},
    {OrderStatus::PaymentFailed, "payment_failed"},
    {OrderStatus::NeedsAttention, "needs_attention"},
    {OrderStatus::Cancelled, "cancelled"},
    {OrderStatus::Refunded, "refunded"},
}};

constexpr std::string_view to_string(OrderStatus s) { return detail::name_of(kOrderStatusNames, s); }
constexpr std::optional<OrderStatus> parse_order_status(std::string_view text) {
  return detail::parse_name(kOrderStatusNames, text);
}

// A step of GET /orders/{id}: its job's state, or one of the states of a
// step whose job does not exist: Waiting (its prerequisite is not done yet)
// and Skipped (it will never run, e.g. the invoice of a failed payment); or
// ActionRequired (the payment step only: the payment waits for the
// customer, SPEC section 8).
enum class StepState { Waiting, Pending, Running, Retrying, Done, Dead, Discarded, Skipped, ActionRequired };

inline constexpr std::array<std::pair<StepState, std::string_view>, 9> kStepStateNames = {{
    {StepState::Waiting, "waiting"},
    {StepState::Pending, "pending"},
    {StepState::Running, "running"},
    {StepState::Retrying, "retrying"},
    {StepState::Done, "done"},
    {StepState::Dead, "dead"},
    {StepState::Discarded, "discarded"},
    {StepState::Skipped, "skipped"},
    {StepState::ActionRequired, "action_required"},
}};

constexpr std::string_view to_string(StepState s) { return detail::name_of(kStepStateNames, s); }

constexpr StepState step_state_of(JobState s) {
  switch (s) {
    case JobState::Pending: return StepState::Pending;
    case JobState::Running: return StepState::Running;
    case JobState::Retrying: return StepState::Retrying;
    case JobState::Done: return StepState::Done;
    case JobState::Dead: return StepState::Dead;
    case JobState::Discarded: return StepState::Discarded;
  }
  return StepState::Pending;
}

// A refund (SPEC section 9). How it leaves each state:
//   Pending    its payment.refund job is done (-> Succeeded) or dies (-> Failed)
//   Failed     an owner retries its dead job (-> Pending)
//   Succeeded  never: the money went back, and a credit note says so
enum class RefundState { Pending, Succeeded, Failed };

inline constexpr std::array<std::pair<RefundState, std::string_view>, 3> kRefundStateNames = {{
    {RefundState::Pending, "pending"},
    {RefundState::Succeeded, "succeeded"},
    {RefundState::Failed, "failed"},
}};

constexpr std::string_view to_string(RefundState s) { return detail::name_of(kRefundStateNames, s); }
constexpr std::optional<RefundState> parse_refund_state(std::string_view text) {
  return detail::parse_name(kRefundStateNames, text);
}

// "pending, running, retrying, done, dead or discarded" for messages.
template <class E, size_t N>
std::string names_list(const std::array<std::pair<E, std::string_view>, N>& names) {
  std::string out;
  for (size_t i = 0; i < N; ++i) {
    if (i > 0) out += i + 1 == N ? " or " : ", ";
    out += names[i].second;
  }
  return out;
}

}  // namespace shopd
