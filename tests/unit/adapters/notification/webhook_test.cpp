// The webhook adapter's pure parts (README "Notifications (webhooks)"): the signature a
// receiver recomputes (HMAC-SHA256 over "<timestamp>.<body>", checked against Python's hmac
// module), the backoff schedule, the headers of an attempt, the body, and which URLs are
// accepted as endpoints.
#include <chrono>
#include <string>

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include "adapters/notification/webhook_client.hpp"
#include "adapters/notification/webhook_dispatcher.hpp"
#include "adapters/notification/webhook_notifier.hpp"
#include "adapters/notification/webhook_signature.hpp"

using namespace mb::adapters::notification;
using std::chrono::milliseconds;

TEST_CASE("Webhook signature: HMAC-SHA256 of timestamp.body, as any HMAC library computes it",
          "[notification][signature]") {
    // python3 -c 'import hmac,hashlib; print(hmac.new(b"Jefe", b"1700000000.{\"a\":1}",
    //             hashlib.sha256).hexdigest())'
    CHECK(webhook_signature("Jefe", "1700000000", R"({"a":1})") ==
          "sha256=fa5f6481efc59da48b19c9dc10196c9953e5651f8304b3a318b6b87d70272e0a");
    CHECK(webhook_signature(std::string(40, 'k'), "1", "") ==
          "sha256=dd4b93ca77123da8ef4d133fedc0c377f13c8366e4b3f3afebe8b18a16e73382");
}

TEST_CASE("Webhook signature: verification refuses another body, timestamp, key or form",
          "[notification][signature]") {
    const std::string key(32, 's');
    const auto good = webhook_signature(key, "1700000000", "{}");
    CHECK(verify_webhook_signature(key, "1700000000", "{}", good));
    CHECK_FALSE(verify_webhook_signature(key, "1700000000", "{ }", good));
    CHECK_FALSE(verify_webhook_signature(key, "1700000001", "{}", good));
    CHECK_FALSE(verify_webhook_signature(std::string(32, 't'), "1700000000", "{}", good));
    CHECK_FALSE(verify_webhook_signature(key, "1700000000", "{}", good.substr(7)));
    CHECK_FALSE(verify_webhook_signature(key, "1700000000", "{}", ""));
}

TEST_CASE("Webhook backoff: doubles from the first wait, capped", "[notification][backoff]") {
    const milliseconds first{1000};
    const milliseconds cap{60000};
    CHECK(webhook_backoff(1, first, cap) == milliseconds(1000));
    CHECK(webhook_backoff(2, first, cap) == milliseconds(2000));
    CHECK(webhook_backoff(3, first, cap) == milliseconds(4000));
    CHECK(webhook_backoff(6, first, cap) == milliseconds(32000));
    CHECK(webhook_backoff(7, first, cap) == milliseconds(60000));
    CHECK(webhook_backoff(1000, first, cap) == milliseconds(60000));  // no overflow
    CHECK(webhook_backoff(3, milliseconds(100), milliseconds(250)) == milliseconds(250));
}

TEST_CASE("Webhook headers: event id, type, timestamp, a signature over it, the attempt",
          "[notification][headers]") {
    WebhookDelivery d;
    d.id = 17;
    d.event_id = "e-1";
    d.event_type = "Booked";
    d.body = R"({"eventId":"e-1"})";
    const std::string key(32, 'x');
    const auto headers = webhook_headers(d, 3, 1700000000, key);
    auto get = [&](const std::string& name) {
        for (const auto& [n, v] : headers) {
            if (n == name)
                return v;
        }
        FAIL("no header " << name);
        return std::string();
    };
    CHECK(get("X-Event-Id") == "e-1");
    CHECK(get("X-Event-Type") == "Booked");
    CHECK(get("X-Timestamp") == "1700000000");
    CHECK(get("X-Delivery-Id") == "17");
    CHECK(get("X-Delivery-Attempt") == "3");
    CHECK(verify_webhook_signature(key, "1700000000", d.body, get("X-Signature")));
}

TEST_CASE("Webhook body: the event as published, under its id, type and booking",
          "[notification][body]") {
    const Notification n{"e-7", "Paid", 42, "20261202170000", R"({"bookingId":42,"amount":5000})"};
    const auto body = boost::json::parse(webhook_body(n)).as_object();
    CHECK(body.at("eventId").as_string() == "e-7");
    CHECK(body.at("eventType").as_string() == "Paid");
    CHECK(body.at("bookingId").as_int64() == 42);
    CHECK(body.at("timestamp").as_string() == "20261202170000");
    CHECK(body.at("event").at("amount").as_int64() == 5000);
}

TEST_CASE("Webhook endpoint: an absolute http URL, and https, user info or a relative one refused",
          "[notification][endpoint]") {
    std::string error;
    auto e = WebhookEndpoint::parse("http://127.0.0.1:9000/hooks?x=1", &error);
    REQUIRE(e);
    CHECK(e->host == "127.0.0.1");
    CHECK(e->port == "9000");
    CHECK(e->target == "/hooks?x=1");
    auto bare = WebhookEndpoint::parse("http://example.test", &error);
    REQUIRE(bare);
    CHECK(bare->port == "80");
    CHECK(bare->target == "/");
    auto v6 = WebhookEndpoint::parse("http://[::1]:8080/h", &error);
    REQUIRE(v6);
    CHECK(v6->host == "::1");
    CHECK_FALSE(WebhookEndpoint::parse("https://example.test/h", &error));
    CHECK(error.find("https") != std::string::npos);
    CHECK_FALSE(WebhookEndpoint::parse("ftp://example.test/h", &error));
    CHECK_FALSE(WebhookEndpoint::parse("http://user:pw@example.test/h", &error));
    CHECK_FALSE(WebhookEndpoint::parse("/relative", &error));
    CHECK_FALSE(WebhookEndpoint::parse("not a url", &error));
}
