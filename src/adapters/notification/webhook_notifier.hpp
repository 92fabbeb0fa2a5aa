#pragma once
// The outgoing webhook as a Notifier: each notification becomes one outbox row per configured
// endpoint (webhook_outbox.hpp), in the consuming transaction, and the dispatcher is woken.
// The body sent (README "Notifications (webhooks)"):
//     {"eventId":"…","eventType":"Booked","bookingId":42,"timestamp":"20261202170000",
//      "event":{…the event as published…}}
// Not thread-safe: the notify module's strand (as Notifier::notify is called).
#include <string>
#include <vector>

#include "adapters/notification/notifier.hpp"
#include "adapters/notification/webhook_dispatcher.hpp"
#include "adapters/notification/webhook_outbox.hpp"

namespace mb::adapters::notification {

/// The JSON body of `n`'s webhook request. Throws only std::bad_alloc.
[[nodiscard]] std::string webhook_body(const Notification& n);

class WebhookNotifier final : public Notifier {
public:
    WebhookNotifier(WebhookOutbox& outbox, WebhookDispatcher& dispatcher)
        : outbox_(outbox), dispatcher_(dispatcher) {}

    void notify(const Notification& n) override;

private:
    WebhookOutbox& outbox_;
    WebhookDispatcher& dispatcher_;
};

}  // namespace mb::adapters::notification
