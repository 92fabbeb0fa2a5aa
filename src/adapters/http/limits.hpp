#pragma once
// Overload and abuse limits of the HTTP adapter (README "Operating" > "Limits"): a per-client
// token-bucket rate limit on writes, a global cap on requests in flight, and the client
// address a limit is keyed by (the peer, or X-Forwarded-For behind a trusted proxy).
// Transport-free: the Server calls them; they know nothing of sockets.
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>

#include "adapters/http/request.hpp"

namespace mb::adapters::http {

/// A monotonic time source (steady_clock::now when empty); injected by tests.
using SteadyClock = std::function<std::chrono::steady_clock::time_point()>;

/// The classic token bucket (as in Envoy's local rate limit and nginx `limit_req`): it holds
/// up to `burst` tokens, gains `rate` tokens per second, and every admitted event takes one.
/// A plain value; not thread-safe (ClientRateLimiter guards each bucket with its shard's
/// mutex).
class TokenBucket {
public:
    /// A full bucket at `now`. `rate` > 0 tokens/s, `burst` >= 1 tokens (asserted).
    TokenBucket(double rate, double burst, std::chrono::steady_clock::time_point now);

    /// Refills for the time since the last call (never beyond `burst`; a clock that went
    /// backwards refills nothing), then takes one token if there is one. Returns zero when a
    /// token was taken, else how long until one will be there (nothing is taken).
    [[nodiscard]] std::chrono::nanoseconds try_take(std::chrono::steady_clock::time_point now);

    /// Tokens held after refilling up to `now` (does not change the bucket).
    [[nodiscard]] double tokens(std::chrono::steady_clock::time_point now) const;

private:
    double rate_;   ///< tokens per second
    double burst_;  ///< capacity, tokens
    double tokens_;
    std::chrono::steady_clock::time_point updated_;
};

/// What a client is counted as: its IPv4 address, or its IPv6 /64 prefix (one subscriber
/// usually holds a whole /64, so per-address limits would be free to dodge). IPv4-mapped IPv6
/// addresses count as their IPv4 address. 16 bytes: IPv4 in the IPv4-mapped form.
using ClientKey = std::array<unsigned char, 16>;

/// The key of `address` (see ClientKey).
[[nodiscard]] ClientKey client_key(const boost::asio::ip::address& address);

/// Settings of ClientRateLimiter.
struct RateLimit {
    double per_second = 0;  ///< tokens per second per client; 0 = off
    double burst = 0;       ///< bucket capacity, tokens; 0 = max(1, per_second)
    /// Most clients remembered at once; beyond it the least recently seen is forgotten (its
    /// next request starts with a full bucket). Bounds the memory: about 100 bytes a client.
    std::size_t max_clients = 100000;
};

/// A token bucket per client (ClientKey), sharded by key hash: each shard has its own mutex,
/// hash map and least-recently-used list, so concurrent clients rarely contend and memory
/// stays bounded by RateLimit::max_clients. Thread-safe.
class ClientRateLimiter {
public:
    /// `limit.per_second` > 0 (the Server builds no limiter when it is 0); throws
    /// std::invalid_argument for a negative rate or burst, or max_clients 0.
    explicit ClientRateLimiter(RateLimit limit, SteadyClock clock = {});

    /// Takes a token from `client`'s bucket: nullopt when admitted, else the Retry-After to
    /// send — the wait for the next token in whole seconds, rounded up (at least 1 s).
    [[nodiscard]] std::optional<std::chrono::seconds> admit(const ClientKey& client);

    /// Clients remembered now (at most max_clients rounded up to the shard count).
    [[nodiscard]] std::size_t tracked() const;
    [[nodiscard]] double per_second() const { return limit_.per_second; }
    /// The effective capacity (RateLimit::burst, or its default).
    [[nodiscard]] double burst() const { return limit_.burst; }

private:
    struct KeyHash {
        std::size_t operator()(const ClientKey& key) const noexcept;
    };
    struct Entry {
        ClientKey key;
        TokenBucket bucket;
    };
    struct Shard {
        mutable std::mutex mutex;
        std::list<Entry> lru;  ///< most recently seen first
        std::unordered_map<ClientKey, std::list<Entry>::iterator, KeyHash> index;
    };
    static constexpr std::size_t kShards = 16;

    RateLimit limit_;
    SteadyClock clock_;
    std::size_t per_shard_;  ///< capacity of a shard
    std::array<Shard, kShards> shards_;
};

/// A global cap on requests being handled at once: load beyond it is shed at once (503) rather
/// than queued, so the latency of admitted requests stays bounded. Lock-free; thread-safe.
class InFlightGate {
public:
    /// Holds one slot until destroyed (or moved from). Move-only.
    class Ticket {
    public:
        Ticket() = default;
        Ticket(Ticket&& other) noexcept;
        Ticket& operator=(Ticket&& other) noexcept;
        Ticket(const Ticket&) = delete;
        Ticket& operator=(const Ticket&) = delete;
        ~Ticket();
        /// False for a ticket that was refused (or moved from).
        explicit operator bool() const { return gate_ != nullptr; }

    private:
        friend class InFlightGate;
        explicit Ticket(InFlightGate* gate) : gate_(gate) {}
        InFlightGate* gate_ = nullptr;
    };

    /// `limit` slots; 0 = no limit (every try_enter succeeds, still counted).
    explicit InFlightGate(std::size_t limit) : limit_(limit) {}
    InFlightGate(const InFlightGate&) = delete;
    InFlightGate& operator=(const InFlightGate&) = delete;

    /// A held ticket when fewer than `limit` are out, else an empty one. The gate must outlive
    /// its tickets.
    [[nodiscard]] Ticket try_enter();

    /// Tickets held now.
    [[nodiscard]] std::size_t in_flight() const { return count_.load(std::memory_order_relaxed); }
    [[nodiscard]] std::size_t limit() const { return limit_; }

private:
    const std::size_t limit_;
    std::atomic<std::size_t> count_{0};
};

/// The proxies whose X-Forwarded-For is believed, as addresses or CIDR networks ("10.0.0.0/8",
/// "::1", "fd00::/8"). Empty (the default): X-Forwarded-For is ignored and every limit is
/// keyed by the TCP peer. Immutable after construction; thread-safe.
class TrustedProxies {
public:
    /// Throws std::invalid_argument naming an entry that is neither an address nor a network.
    explicit TrustedProxies(const std::vector<std::string>& entries);

    [[nodiscard]] bool empty() const { return v4_.empty() && v6_.empty(); }
    [[nodiscard]] bool contains(const boost::asio::ip::address& address) const;

    /// The client a request comes from: `peer` unless it is a trusted proxy; then the
    /// right-most X-Forwarded-For address that is not a trusted proxy (each proxy appends the
    /// address it received from, so only the entries our own proxies appended can be
    /// believed; the left-most is whatever the client chose to send). An entry that is not a
    /// bare IP address stops the walk at the last trusted hop; no usable entry: `peer`.
    [[nodiscard]] boost::asio::ip::address client_of(const boost::asio::ip::address& peer,
                                                     const StringRequest& header) const;

private:
    std::vector<boost::asio::ip::network_v4> v4_;
    std::vector<boost::asio::ip::network_v6> v6_;
};

}  // namespace mb::adapters::http
