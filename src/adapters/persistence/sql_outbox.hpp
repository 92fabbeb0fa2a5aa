#pragma once
// SqlOutbox<Event>: the app::Outbox port of one context, writing encoded envelopes into its
// module's outbox table inside the current unit of work, with the request id of the thread's
// log context (ModuleExecutor restores the submitter's). Not thread-safe (module strand).
#include <variant>

#include "adapters/codec/event_codec.hpp"
#include "adapters/logging/log_context.hpp"
#include "adapters/persistence/outbox_store.hpp"
#include "adapters/system/ids.hpp"
#include "app/common/outbox.hpp"
#include "domain/common/clock.hpp"

namespace mb::adapters::persistence {

template <class EventVariant>
class SqlOutbox final : public app::Outbox<EventVariant> {
public:
    SqlOutbox(OutboxStore& store, const domain::Clock& clock) : store_(store), clock_(clock) {}

    void append(const EventVariant& event) override {
        std::visit(
            [this](const auto& e) {
                auto envelope = codec::encode(e, system::new_uuid(), clock_.now());
                envelope.request_id = logging::current_log_context().request_id;
                store_.append(std::move(envelope));
            },
            event);
    }

private:
    OutboxStore& store_;
    const domain::Clock& clock_;
};

}  // namespace mb::adapters::persistence
