#include "adapters/notification/webhook_notifier.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace mb::adapters::notification {

std::string webhook_body(const Notification& n) {
    boost::system::error_code ec;
    auto event = boost::json::parse(n.payload, ec);
    const boost::json::object body{{"eventId", n.event_id},
                                   {"eventType", n.event_type},
                                   {"bookingId", n.booking_id},
                                   {"timestamp", n.timestamp},
                                   {"event", ec ? boost::json::value(n.payload) : event}};
    return boost::json::serialize(body);
}

void WebhookNotifier::notify(const Notification& n) {
    const auto body = webhook_body(n);
    const auto now = persistence::to_epoch_ms(std::chrono::system_clock::now());
    bool added = false;
    for (const auto& endpoint : dispatcher_.endpoints()) {
        added = outbox_.enqueue(endpoint.url, n.event_id, n.event_type, n.booking_id, body, now) ||
                added;
    }
    if (added) {
        dispatcher_.wake();  // its read is a later job of this strand: after this commit
    }
}

}  // namespace mb::adapters::notification
