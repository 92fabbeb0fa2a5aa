#pragma once
// SqliteOutbox<Event>: the app::Outbox port of one context, writing encoded envelopes into its
// module's outbox table inside the current unit of work. Not thread-safe (module strand).
#include <variant>

#include "adapters/bus/event_codec.hpp"
#include "adapters/persistence/outbox_store.hpp"
#include "adapters/system/ids.hpp"
#include "app/common/outbox.hpp"
#include "domain/common/clock.hpp"

namespace mb::adapters::persistence {

template <class EventVariant>
class SqliteOutbox final : public app::Outbox<EventVariant> {
public:
    SqliteOutbox(OutboxStore& store, const domain::Clock& clock) : store_(store), clock_(clock) {}

    void append(const EventVariant& event) override {
        std::visit(
            [this](const auto& e) {
                store_.append(bus::encode(e, system::new_uuid(), clock_.now()));
            },
            event);
    }

private:
    OutboxStore& store_;
    const domain::Clock& clock_;
};

}  // namespace mb::adapters::persistence
