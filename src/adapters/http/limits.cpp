#include "adapters/http/limits.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include <boost/beast/http/field.hpp>
#include <fmt/format.h>

#include "adapters/http/field_text.hpp"

namespace mb::adapters::http {
namespace {

namespace ip = boost::asio::ip;
using std::chrono::steady_clock;

/// An IPv4-mapped IPv6 address as the IPv4 address it is; anything else unchanged.
ip::address unmapped(const ip::address& address) {
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        return ip::make_address_v4(ip::v4_mapped, address.to_v6());
    }
    return address;
}

}  // namespace

// --- TokenBucket ---

TokenBucket::TokenBucket(double rate, double burst, steady_clock::time_point now)
    : rate_(rate), burst_(burst), tokens_(burst), updated_(now) {
    assert(rate > 0 && burst >= 1);
}

double TokenBucket::tokens(steady_clock::time_point now) const {
    if (now <= updated_) {
        return tokens_;
    }
    const double elapsed_s = std::chrono::duration<double>(now - updated_).count();
    return std::min(burst_, tokens_ + elapsed_s * rate_);
}

std::chrono::nanoseconds TokenBucket::try_take(steady_clock::time_point now) {
    tokens_ = tokens(now);
    updated_ = std::max(updated_, now);
    if (tokens_ >= 1.0) {
        tokens_ -= 1.0;
        return std::chrono::nanoseconds::zero();
    }
    const double wait_s = (1.0 - tokens_) / rate_;
    return std::max(std::chrono::nanoseconds(1),
                    std::chrono::nanoseconds(static_cast<std::int64_t>(std::ceil(wait_s * 1e9))));
}

// --- ClientKey ---

ClientKey client_key(const ip::address& address) {
    ClientKey key{};
    const auto plain = unmapped(address);
    if (plain.is_v4()) {
        const auto bytes = ip::make_address_v6(ip::v4_mapped, plain.to_v4()).to_bytes();
        std::copy(bytes.begin(), bytes.end(), key.begin());
    } else {
        const auto bytes = plain.to_v6().to_bytes();
        std::copy_n(bytes.begin(), 8, key.begin());  // the /64 prefix; the rest stays zero
        // ::/64 holds only ::1 and :: in practice (loopback, unspecified): keep them apart
        // from each other and from a real /64.
        if (plain.to_v6().is_loopback()) {
            key[15] = 1;
        }
    }
    return key;
}

// --- ClientRateLimiter ---

std::size_t ClientRateLimiter::KeyHash::operator()(const ClientKey& key) const noexcept {
    // FNV-1a over 16 bytes: cheap, and the keys are not chosen by the client freely enough to
    // matter (each needs its own address), while a shard's size caps the damage anyway.
    std::uint64_t hash = 14695981039346656037ULL;
    for (const unsigned char byte : key) {
        hash = (hash ^ byte) * 1099511628211ULL;
    }
    // MurmurHash3's fmix64: FNV-1a leaves the last byte (where neighbouring IPv4 addresses
    // differ) out of the top bits, which pick the shard.
    hash ^= hash >> 33U;
    hash *= 0xff51afd7ed558ccdULL;
    hash ^= hash >> 33U;
    hash *= 0xc4ceb9fe1a85ec53ULL;
    hash ^= hash >> 33U;
    return static_cast<std::size_t>(hash);
}

ClientRateLimiter::ClientRateLimiter(RateLimit limit, SteadyClock clock)
    : limit_(limit), clock_(std::move(clock)) {
    if (!(limit_.per_second > 0) || limit_.burst < 0 || limit_.max_clients == 0) {
        throw std::invalid_argument(fmt::format(
            "rate limit: expected per_second > 0, burst >= 0 and max_clients > 0 (got {}, {}, {})",
            limit_.per_second, limit_.burst, limit_.max_clients));
    }
    if (limit_.burst < 1) {
        limit_.burst = std::max(1.0, limit_.per_second);
    }
    per_shard_ = (limit_.max_clients + kShards - 1) / kShards;
}

std::optional<std::chrono::seconds> ClientRateLimiter::admit(const ClientKey& client) {
    const auto now = clock_ ? clock_() : steady_clock::now();
    const auto hash = KeyHash{}(client);
    Shard& shard = shards_[(hash >> 56U) % kShards];
    std::chrono::nanoseconds wait{};
    {
        const std::lock_guard lock(shard.mutex);
        auto found = shard.index.find(client);
        if (found != shard.index.end()) {
            shard.lru.splice(shard.lru.begin(), shard.lru, found->second);
        } else {
            if (shard.index.size() >= per_shard_) {
                // Forget the least recently seen client: the likeliest to have refilled anyway.
                shard.index.erase(shard.lru.back().key);
                shard.lru.pop_back();
            }
            shard.lru.push_front(Entry{client, TokenBucket(limit_.per_second, limit_.burst, now)});
            found = shard.index.emplace(client, shard.lru.begin()).first;
        }
        wait = found->second->bucket.try_take(now);
    }
    if (wait == std::chrono::nanoseconds::zero()) {
        return std::nullopt;
    }
    return std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(wait));
}

std::size_t ClientRateLimiter::tracked() const {
    std::size_t total = 0;
    for (const auto& shard : shards_) {
        const std::lock_guard lock(shard.mutex);
        total += shard.index.size();
    }
    return total;
}

// --- InFlightGate ---

InFlightGate::Ticket::Ticket(Ticket&& other) noexcept
    : gate_(std::exchange(other.gate_, nullptr)) {}

InFlightGate::Ticket& InFlightGate::Ticket::operator=(Ticket&& other) noexcept {
    if (this != &other) {
        if (gate_ != nullptr) {
            gate_->count_.fetch_sub(1, std::memory_order_relaxed);
        }
        gate_ = std::exchange(other.gate_, nullptr);
    }
    return *this;
}

InFlightGate::Ticket::~Ticket() {
    if (gate_ != nullptr) {
        gate_->count_.fetch_sub(1, std::memory_order_relaxed);
    }
}

InFlightGate::Ticket InFlightGate::try_enter() {
    const auto before = count_.fetch_add(1, std::memory_order_relaxed);
    if (limit_ != 0 && before >= limit_) {
        count_.fetch_sub(1, std::memory_order_relaxed);
        return Ticket{};
    }
    return Ticket{this};
}

// --- TrustedProxies ---

TrustedProxies::TrustedProxies(const std::vector<std::string>& entries) {
    for (const auto& entry : entries) {
        boost::system::error_code ec;
        if (entry.find('/') != std::string::npos) {
            if (entry.find(':') != std::string::npos) {
                const auto network = ip::make_network_v6(entry, ec);
                if (!ec) {
                    v6_.push_back(network);
                    continue;
                }
            } else {
                const auto network = ip::make_network_v4(entry, ec);
                if (!ec) {
                    v4_.push_back(network);
                    continue;
                }
            }
        } else {
            const auto address = unmapped(ip::make_address(entry, ec));
            if (!ec) {
                if (address.is_v4()) {
                    v4_.emplace_back(address.to_v4(), 32);
                } else {
                    v6_.emplace_back(address.to_v6(), 128);
                }
                continue;
            }
        }
        throw std::invalid_argument(fmt::format(
            "trusted proxy '{}': expected an IP address or a network (10.0.0.0/8, fd00::/8)",
            entry));
    }
}

bool TrustedProxies::contains(const ip::address& address) const {
    const auto plain = unmapped(address);
    if (plain.is_v4()) {
        const ip::network_v4 host(plain.to_v4(), 32);
        return std::any_of(v4_.begin(), v4_.end(), [&](const auto& network) {
            return host == network || host.is_subnet_of(network);
        });
    }
    const ip::network_v6 host(plain.to_v6(), 128);
    return std::any_of(v6_.begin(), v6_.end(), [&](const auto& network) {
        return host == network || host.is_subnet_of(network);
    });
}

ip::address TrustedProxies::client_of(const ip::address& peer, const StringRequest& header) const {
    if (empty() || !contains(peer)) {
        return peer;
    }
    // The entries of every X-Forwarded-For field, in order (RFC 9110 §5.3: several fields are
    // one comma-separated list).
    std::vector<std::string_view> hops;
    const auto [first, last] = header.equal_range("X-Forwarded-For");
    for (auto it = first; it != last; ++it) {
        std::string_view list(it->value().data(), it->value().size());
        for (;;) {
            const auto comma = list.find(',');
            hops.push_back(trim_ows(list.substr(0, comma)));
            if (comma == std::string_view::npos) {
                break;
            }
            list.remove_prefix(comma + 1);
        }
    }
    ip::address client = peer;
    for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
        boost::system::error_code ec;
        const auto address = ip::make_address(std::string(*hop), ec);
        if (ec) {
            break;  // not ours to believe: the last trusted hop is the client
        }
        client = unmapped(address);
        if (!contains(client)) {
            break;
        }
    }
    return client;
}

}  // namespace mb::adapters::http
