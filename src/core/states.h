// The states shopd stores and shows: a job's state, an order's status, a
// step's public state (SPEC sections 3 and 4), an order's stock, an
// attempt's outcome, and what each channel did with a team alert. Each list lives here once; the
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

// An order's stock (orders.stock_state). How it leaves each state:
//   Reserved   the payment succeeds (-> Sold, inventory.commit) or dies
//              (-> Released, inventory.release)
//   Released   an owner retries the dead payment and the stock is there
//              (-> Reserved)
//   Sold       never
enum class StockState { Reserved, Released, Sold };

inline constexpr std::array<std::pair<StockState, std::string_view>, 3> kStockStateNames = {{
    {StockState::Reserved, "reserved"},
    {StockState::Released, "released"},
    {StockState::Sold, "sold"},
}};

constexpr std::string_view to_string(StockState s) { return detail::name_of(kStockStateNames, s); }
constexpr std::optional<StockState> parse_stock_state(std::string_view text) {
  return detail::parse_name(kStockStateNames, text);
}

// How one attempt of a job ended (job_attempts.outcome): Ok, or the kind of
// the JobError it ended with (core/error.h), or Interrupted (the process
// died or stopped mid-attempt: it does not count). Running is only found on
// a row a shopd from before attempts were written at their end left open.
enum class AttemptOutcome { Running, Ok, Transient, Unreachable, Permanent, Interrupted };

inline constexpr std::array<std::pair<AttemptOutcome, std::string_view>, 6> kAttemptOutcomeNames = {{
    {AttemptOutcome::Running, "running"},
    {AttemptOutcome::Ok, "ok"},
    {AttemptOutcome::Transient, "transient"},
    {AttemptOutcome::Unreachable, "unreachable"},
    {AttemptOutcome::Permanent, "permanent"},
    {AttemptOutcome::Interrupted, "interrupted"},
}};

constexpr std::string_view to_string(AttemptOutcome o) { return detail::name_of(kAttemptOutcomeNames, o); }
constexpr std::optional<AttemptOutcome> parse_attempt_outcome(std::string_view text) {
  return detail::parse_name(kAttemptOutcomeNames, text);
}

// What one channel (webhook, email) did with a team alert (alerts.webhook,
// alerts.email). How it leaves each state:
//   None      the channel was not configured when the alert was raised: never
//   Pending   the alert's job tries it (-> Sent | Failed), or the job dies (-> Failed)
//   Sent      never: a channel that delivered is not used again for this alert
//   Failed    only by an owner retrying the dead alert job (-> Pending)
enum class ChannelState { None, Pending, Sent, Failed };

inline constexpr std::array<std::pair<ChannelState, std::string_view>, 4> kChannelStateNames = {{
    {ChannelState::None, "none"},
    {ChannelState::Pending, "pending"},
    {ChannelState::Sent, "sent"},
    {ChannelState::Failed, "failed"},
}};

constexpr std::string_view to_string(ChannelState s) { return detail::name_of(kChannelStateNames, s); }
constexpr std::optional<ChannelState> parse_channel_state(std::string_view text) {
  return detail::parse_name(kChannelStateNames, text);
}

// How a team alert goes out (alerts.mode), decided once, the first time its
// job runs: Alone (at once, on its own) or Digest (held, then sent in the
// window's digest, store/alert_store.h). Undecided rows have no mode.
enum class AlertMode { Alone, Digest };

inline constexpr std::array<std::pair<AlertMode, std::string_view>, 2> kAlertModeNames = {{
    {AlertMode::Alone, "alone"},
    {AlertMode::Digest, "digest"},
}};

constexpr std::string_view to_string(AlertMode m) { return detail::name_of(kAlertModeNames, m); }
constexpr std::optional<AlertMode> parse_alert_mode(std::string_view text) {
  return detail::parse_name(kAlertModeNames, text);
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
