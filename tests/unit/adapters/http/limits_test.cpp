// The HTTP adapter's limits without a socket: the token bucket and the per-client limiter on
// an injected clock (no sleeps), the in-flight gate, and whose X-Forwarded-For is believed.
#include "adapters/http/limits.hpp"

#include <chrono>
#include <stdexcept>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/verb.hpp>
#include <catch2/catch.hpp>

namespace mb::adapters::http {
namespace {

using namespace std::chrono_literals;
using std::chrono::steady_clock;
namespace ip = boost::asio::ip;

/// A clock the test moves by hand.
struct ManualClock {
    steady_clock::time_point now{steady_clock::time_point{} + 1h};
    SteadyClock source() {
        return [this] { return now; };
    }
};

ClientKey key(const char* address) {
    return client_key(ip::make_address(address));
}

StringRequest forwarded(std::vector<std::string> values) {
    StringRequest request{beast::http::verb::post, "/books", 11};
    for (auto& value : values) {
        request.insert("X-Forwarded-For", value);
    }
    return request;
}

}  // namespace

TEST_CASE("TokenBucket: a full bucket admits a burst, then one event per 1/rate",
          "[limits][token-bucket]") {
    ManualClock clock;
    TokenBucket bucket(2.0, 3.0, clock.now);  // 2 tokens/s, 3 at most
    CHECK(bucket.try_take(clock.now) == 0ns);
    CHECK(bucket.try_take(clock.now) == 0ns);
    CHECK(bucket.try_take(clock.now) == 0ns);
    // Empty: the next token comes after 1/rate = 500 ms.
    CHECK(bucket.try_take(clock.now) == 500ms);
    clock.now += 499ms;
    CHECK(bucket.try_take(clock.now) > 0ns);
    clock.now += 1ms;
    CHECK(bucket.try_take(clock.now) == 0ns);
    CHECK(bucket.try_take(clock.now) == 500ms);
}

TEST_CASE("TokenBucket: refilling stops at the burst and a clock going back refills nothing",
          "[limits][token-bucket]") {
    ManualClock clock;
    TokenBucket bucket(10.0, 2.0, clock.now);
    clock.now += 1h;  // would be 36,000 tokens without the cap
    CHECK(bucket.tokens(clock.now) == Approx(2.0));
    CHECK(bucket.try_take(clock.now) == 0ns);
    CHECK(bucket.try_take(clock.now) == 0ns);
    CHECK(bucket.try_take(clock.now) == 100ms);
    const auto later = clock.now;
    clock.now -= 10s;
    CHECK(bucket.try_take(clock.now) > 0ns);
    CHECK(bucket.tokens(later) == Approx(0.0));
}

TEST_CASE("ClientRateLimiter: each client has its own bucket and Retry-After rounds up",
          "[limits][rate-limit]") {
    ManualClock clock;
    ClientRateLimiter limiter({0.5, 2.0, 1000}, clock.source());  // one token every 2 s
    const auto alice = key("192.0.2.1");
    const auto bob = key("192.0.2.2");
    CHECK_FALSE(limiter.admit(alice));
    CHECK_FALSE(limiter.admit(alice));
    const auto retry = limiter.admit(alice);
    REQUIRE(retry);
    CHECK(*retry == 2s);
    CHECK_FALSE(limiter.admit(bob));  // bob is not slowed down by alice
    clock.now += 1500ms;              // 0.75 token: still refused, 0.5 s left -> "1"
    const auto again = limiter.admit(alice);
    REQUIRE(again);
    CHECK(*again == 1s);
    clock.now += 500ms;
    CHECK_FALSE(limiter.admit(alice));
    CHECK(limiter.tracked() == 2);
}

TEST_CASE("ClientRateLimiter: memory is bounded, the least recently seen client goes first",
          "[limits][rate-limit]") {
    ManualClock clock;
    // 16 shards of one client each.
    ClientRateLimiter limiter({1.0, 1.0, 16}, clock.source());
    for (int i = 0; i < 1000; ++i) {
        const auto address = ip::make_address_v4(0x0A000000U + static_cast<unsigned>(i));
        CHECK_FALSE(limiter.admit(client_key(address)));
    }
    CHECK(limiter.tracked() <= 16);
}

TEST_CASE("ClientRateLimiter: a recently seen client keeps its empty bucket", "[limits][rate-limit]") {
    ManualClock clock;
    ClientRateLimiter limiter({1.0, 1.0, 1000}, clock.source());
    const auto client = key("198.51.100.7");
    CHECK_FALSE(limiter.admit(client));
    for (int i = 0; i < 100; ++i) {  // others come and go; 100 < 1000, nobody is evicted
        CHECK_FALSE(limiter.admit(client_key(ip::make_address_v4(0xC0000200U + static_cast<unsigned>(i)))));
    }
    CHECK(limiter.admit(client));
}

TEST_CASE("ClientRateLimiter: a zero or negative rate is refused", "[limits][rate-limit]") {
    CHECK_THROWS_AS(ClientRateLimiter({0.0, 1.0, 10}), std::invalid_argument);
    CHECK_THROWS_AS(ClientRateLimiter({1.0, -1.0, 10}), std::invalid_argument);
    CHECK_THROWS_AS(ClientRateLimiter({1.0, 1.0, 0}), std::invalid_argument);
    const ClientRateLimiter defaulted({5.0, 0.0, 10});
    CHECK(defaulted.burst() == Approx(5.0));  // burst 0: the rate
}

TEST_CASE("client_key: IPv4, IPv4-mapped IPv6 and one IPv6 /64 are one client each",
          "[limits][client-key]") {
    CHECK(key("192.0.2.1") == key("::ffff:192.0.2.1"));
    CHECK(key("192.0.2.1") != key("192.0.2.2"));
    CHECK(key("2001:db8:1:2::1") == key("2001:db8:1:2:ffff::9"));
    CHECK(key("2001:db8:1:2::1") != key("2001:db8:1:3::1"));
    CHECK(key("::1") != key("::"));
    CHECK(key("::1") != key("127.0.0.1"));
}

TEST_CASE("InFlightGate: at most `limit` tickets, a returned one lets the next in",
          "[limits][in-flight]") {
    InFlightGate gate(2);
    auto first = gate.try_enter();
    auto second = gate.try_enter();
    CHECK(first);
    CHECK(second);
    CHECK(gate.in_flight() == 2);
    {
        const auto third = gate.try_enter();
        CHECK_FALSE(third);
        CHECK(gate.in_flight() == 2);  // a refused ticket holds nothing
    }
    first = {};
    CHECK(gate.in_flight() == 1);
    auto moved = std::move(second);
    CHECK(gate.in_flight() == 1);  // a move does not count twice
    CHECK(gate.try_enter());
    CHECK(gate.in_flight() == 1);  // that temporary ticket was returned at once
}

TEST_CASE("InFlightGate: limit 0 admits everything and still counts", "[limits][in-flight]") {
    InFlightGate gate(0);
    std::vector<InFlightGate::Ticket> held;
    for (int i = 0; i < 100; ++i) {
        held.push_back(gate.try_enter());
        CHECK(held.back());
    }
    CHECK(gate.in_flight() == 100);
    held.clear();
    CHECK(gate.in_flight() == 0);
}

TEST_CASE("TrustedProxies: without trusted proxies X-Forwarded-For is ignored",
          "[limits][proxies]") {
    const TrustedProxies none({});
    const auto peer = ip::make_address("203.0.113.5");
    CHECK(none.client_of(peer, forwarded({"198.51.100.1"})) == peer);
}

TEST_CASE("TrustedProxies: behind a trusted proxy the right-most untrusted hop is the client",
          "[limits][proxies]") {
    const TrustedProxies proxies({"10.0.0.0/8", "fd00::1"});
    const auto proxy = ip::make_address("10.1.2.3");
    // The client wrote a fake first entry; our proxy appended the real one.
    CHECK(proxies.client_of(proxy, forwarded({"1.2.3.4, 198.51.100.9"})) ==
          ip::make_address("198.51.100.9"));
    // Two of our proxies in a row, and several fields as one list.
    CHECK(proxies.client_of(proxy, forwarded({"1.2.3.4", "198.51.100.9, 10.9.9.9"})) ==
          ip::make_address("198.51.100.9"));
    CHECK(proxies.client_of(ip::make_address("fd00::1"), forwarded({"2001:db8::7"})) ==
          ip::make_address("2001:db8::7"));
    // An untrusted peer's header counts for nothing.
    const auto stranger = ip::make_address("203.0.113.5");
    CHECK(proxies.client_of(stranger, forwarded({"198.51.100.9"})) == stranger);
    // No header, or garbage where the client address should be: the proxy itself.
    CHECK(proxies.client_of(proxy, forwarded({})) == proxy);
    CHECK(proxies.client_of(proxy, forwarded({"unknown"})) == proxy);
    CHECK(proxies.client_of(proxy, forwarded({"198.51.100.9:4711"})) == proxy);
}

TEST_CASE("TrustedProxies: an entry that is not an address or network is refused",
          "[limits][proxies]") {
    CHECK_THROWS_AS(TrustedProxies({"10.0.0.0/33"}), std::invalid_argument);
    CHECK_THROWS_AS(TrustedProxies({"proxy.example.com"}), std::invalid_argument);
    CHECK_NOTHROW(TrustedProxies({"127.0.0.1", "::1", "192.168.0.0/16", "fd00::/8"}));
}

}  // namespace mb::adapters::http
