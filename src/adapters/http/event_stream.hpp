#pragma once
// The second kind of route handler: a Server-Sent Events stream (WHATWG HTML §9.2,
// `text/event-stream`). A stream handler answers at once — a refusal, or "open" plus what keeps
// its feed alive (a subscription) — and from then on anything on any thread pushes events into
// the stream's EventSink; the Server writes them out on the connection's strand, with a comment
// line as heartbeat when nothing was sent for a while, and ends the stream on drain.
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/asio/awaitable.hpp>

#include "adapters/http/limits.hpp"
#include "adapters/http/request.hpp"

namespace mb::adapters::http {

/// The media type of a stream response.
inline constexpr std::string_view kEventStreamContentType = "text/event-stream";

/// One event in the SSE wire format: `id: <id>` (omitted when empty), `event: <event>`
/// (omitted when empty), one `data:` line per line of `data` (split on "\n"), then an empty
/// line. `id` and `event` must not contain CR or LF (they are dropped if they do), nor may `id`
/// contain NUL (a client would ignore the whole id line). Throws only std::bad_alloc.
[[nodiscard]] std::string format_event(std::string_view event, std::string_view data,
                                       std::string_view id = {});

/// One formatted event, shared by every stream it goes to: a feed serialises a change once and
/// each sink queues the same bytes (a pointer, not a copy).
using SharedEvent = std::shared_ptr<const std::string>;

/// Where a stream's events are queued until its connection writes them. Shared by the Server
/// (consumer) and whatever feeds the stream (producers).
///
/// Thread-safe: push() and close() may be called from any thread, also after the stream ended
/// (they then do nothing). Bounded: more than `max_queued` events waiting means the client is
/// too slow to follow; the sink then closes, the stream ends, and the client reconnects with
/// Last-Event-ID (so a slow client costs bounded memory and loses nothing it cannot resume).
class EventSink {
public:
    /// `max_queued` >= 1 events may wait at once.
    explicit EventSink(std::size_t max_queued = 256);

    /// Queues one already formatted event (format_event) and wakes the writer. False when the
    /// stream has ended (closed, or this push overflowed the queue and closed it). `event`
    /// must not be null.
    bool push(SharedEvent event);
    /// The same for an event of this stream alone.
    bool push(std::string event);
    /// Ends the stream after what is queued has been written. Idempotent.
    void close();
    [[nodiscard]] bool closed() const;

    // --- for the Server ---

    /// Takes everything queued (in order); `*closed` tells whether the stream should end after.
    [[nodiscard]] std::deque<SharedEvent> take(bool* closed);
    /// Whether take() would return something or report the end.
    [[nodiscard]] bool ready() const;
    /// Called (from the pushing thread, outside the lock) whenever an event is queued or the
    /// sink is closed; the Server posts a wake-up to the connection's strand. Events queued
    /// before it is set are taken by the writer's first take().
    void on_wake(std::function<void()> wake);

private:
    void wake();

    const std::size_t max_queued_;
    mutable std::mutex mutex_;
    std::deque<SharedEvent> queue_;
    bool closed_ = false;
    std::function<void()> wake_;
};

/// What a stream handler answers.
struct StreamOpening {
    /// When set, the answer instead of a stream (a 400 / 404 problem, a 304...); no stream opens.
    std::optional<Response> refusal;
    /// Held by the Server while the stream is open and released when it ends (a bus
    /// subscription that pushes into the sink, say). May be null.
    std::shared_ptr<void> keep_alive;
};

/// A stream route handler. Runs on the connection's strand like a Handler; it may push initial
/// events into `sink` before returning (they are sent right after the response header) and
/// must arrange for later ones (StreamOpening::keep_alive). Exceptions become a 500 problem.
/// The Router stores it and invokes it in place, as it does a Handler.
using StreamHandler =
    std::function<asio::awaitable<StreamOpening>(Request, std::shared_ptr<EventSink>)>;

/// Streams open at once, in total and per client (ClientKey: IPv4 address or IPv6 /64).
/// Thread-safe.
class StreamGate {
public:
    /// Holds one stream's slot until destroyed. Move-only.
    class Slot {
    public:
        Slot() = default;
        Slot(Slot&& other) noexcept;
        Slot& operator=(Slot&& other) noexcept;
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;
        ~Slot();
        explicit operator bool() const { return gate_ != nullptr; }

    private:
        friend class StreamGate;
        Slot(StreamGate* gate, const ClientKey& client) : gate_(gate), client_(client) {}
        void release() noexcept;
        StreamGate* gate_ = nullptr;
        ClientKey client_{};
    };

    /// Why try_open refused.
    enum class Refusal { kNone, kTotal, kPerClient };

    /// `max_total` streams in all, `max_per_client` per client; 0 = no cap.
    StreamGate(std::size_t max_total, std::size_t max_per_client)
        : max_total_(max_total), max_per_client_(max_per_client) {}
    StreamGate(const StreamGate&) = delete;
    StreamGate& operator=(const StreamGate&) = delete;

    /// A held slot, or an empty one and why (`*refusal`). The gate must outlive its slots.
    [[nodiscard]] Slot try_open(const ClientKey& client, Refusal* refusal);
    /// Streams open now.
    [[nodiscard]] std::size_t open() const;
    [[nodiscard]] std::size_t max_total() const { return max_total_; }
    [[nodiscard]] std::size_t max_per_client() const { return max_per_client_; }

private:
    struct KeyHash {
        std::size_t operator()(const ClientKey& key) const noexcept;
    };
    const std::size_t max_total_;
    const std::size_t max_per_client_;
    mutable std::mutex mutex_;
    std::size_t open_ = 0;
    std::unordered_map<ClientKey, std::size_t, KeyHash> per_client_;
};

}  // namespace mb::adapters::http
