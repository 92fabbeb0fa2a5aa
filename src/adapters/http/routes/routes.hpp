#pragma once
// The REST resources of MISSION.md, one registration function per context. Handlers are
// transport glue only: decode -> call a use case on the module's executor (or a saga) ->
// encode (userver style). Error conditions become statuses in adapters/http/error_mapping.
#include <functional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "adapters/runtime/event_consumer.hpp"
#include "adapters/http/router.hpp"
#include "adapters/inprocess/fault_injector.hpp"
#include "adapters/inprocess/in_process_ports.hpp"
#include "app/sagas/sagas.hpp"
#include "adapters/runtime/module_executor.hpp"
#include "app/booking/booking_service.hpp"
#include "app/booking/catalogue_service.hpp"
#include "app/mypage/my_page_projection.hpp"
#include "app/payment/payment_service.hpp"
#include "app/review/review_service.hpp"
#include "app/ticket/ticket_service.hpp"

namespace mb::adapters::http::routes {

/// Registers a module's routes so that they answer 503 (problem+json, Retry-After) while the
/// module is paused (issue 4: "its routes answer 503"). Thread-safe once built.
class ModuleRoutes {
public:
    ModuleRoutes(Router& router, const runtime::ModuleExecutor& module)
        : router_(router), module_(module) {}
    void add(beast::http::verb method, std::string_view pattern, Handler handler,
             Access access = Access::kAuthenticated);

private:
    Router& router_;
    const runtime::ModuleExecutor& module_;
};

struct BookingRoutes {
    runtime::ModuleExecutor& executor;
    app::booking::BookingService& bookings;
    app::sagas::BookingSaga& saga;
};
/// POST /books, GET /books, GET /books/{id}, DELETE /books/{id}, PATCH /books/{id}.
void add_booking_routes(Router& router, BookingRoutes deps);

struct CatalogueRoutes {
    runtime::ModuleExecutor& executor;  ///< the booking module's
    app::booking::CatalogueService& catalogue;
    bool admin_enabled;  ///< --admin: registration allowed (else 403)
};
/// POST/GET /movies, /screens, /screenings; GET /movies/{id}, /screens/{id}, /screenings/{id},
/// /screenings/{id}/seats (the seat map, with ETag / If-None-Match).
void add_catalogue_routes(Router& router, CatalogueRoutes deps);

struct PaymentRoutes {
    runtime::ModuleExecutor& executor;
    app::payment::PaymentService& payments;
};
/// GET /payments, /payments/{id}, /payments/search/findByBookingId?bookingId=.
void add_payment_routes(Router& router, PaymentRoutes deps);

struct TicketRoutes {
    runtime::ModuleExecutor& executor;
    app::ticket::TicketService& tickets;
    app::sagas::PrintSaga& print;
};
/// GET /tickets, /tickets/{id}, /tickets/search/findByBookingId; PATCH /tickets/{id}.
void add_ticket_routes(Router& router, TicketRoutes deps);

struct ReviewRoutes {
    runtime::ModuleExecutor& executor;
    app::review::ReviewService& reviews;
};
/// GET /reviews, /reviews/{id}, /reviews/search/findByBookingId; PATCH /reviews/{id}.
void add_review_routes(Router& router, ReviewRoutes deps);

struct MyPageRoutes {
    runtime::ModuleExecutor& executor;
    app::mypage::MyPageProjection& mypages;
};
/// GET /mypages, /mypages/{id}, /mypages/search/findByBookingId, .../findByCustomerId.
void add_mypage_routes(Router& router, MyPageRoutes deps);

struct ActuatorRoutes {
    /// The health document in Spring Boot Actuator's shape ({"status":"UP"|"DOWN"|
    /// "OUT_OF_SERVICE", "components":{...}}); answered 200 when "status" is "UP", else 503.
    /// Each of these is called on a connection strand, concurrently: it must be thread-safe.
    std::function<asio::awaitable<boost::json::object>()> health;
    /// {"status":"UP"} while the process serves; anything else is answered 503.
    std::function<asio::awaitable<boost::json::object>()> liveness;
    /// {"status":"UP"} when the server should get traffic; anything else is answered 503.
    std::function<boost::json::object()> readiness;
    /// GET /actuator/metrics (JSON): counters per module (queue, batches, outbox backlog ...).
    std::function<boost::json::object()> metrics;
    /// GET /actuator/prometheus: the text exposition format 0.0.4; empty function: no route.
    std::function<asio::awaitable<std::string>()> prometheus;
    /// Who may scrape /actuator/prometheus (--prometheus-access).
    Access prometheus_access = Access::kAdmin;
};
/// GET /actuator/health, /actuator/health/liveness, /actuator/health/readiness (public),
/// /actuator/prometheus (prometheus_access), /actuator/metrics and /actuator/mappings (admin:
/// the route table, {"routes":[{"method","pattern","access"}]}). `router` must outlive the
/// server.
void add_actuator_routes(Router& router, ActuatorRoutes deps);

struct AdminRoutes {
    bool enabled;  ///< --admin; when off every /admin route answers 403
    inprocess::FaultInjector& faults;
    std::vector<runtime::EventConsumer*> consumers;  ///< one per module
    std::vector<inprocess::PortGuard*> guards;   ///< one per callee of a synchronous port
    /// Dead letters besides the consumers' (the webhook deliveries), by their own name.
    std::vector<runtime::DeadLetterQueue*> dead_letter_queues = {};
};
/// Operations (issue 4): GET/PUT/DELETE /admin/faults[/{module}]; GET /admin/modules,
/// POST /admin/modules/{name}/pause|resume; GET /admin/dead-letters,
/// POST /admin/dead-letters/{module}/{id}/retry, DELETE /admin/dead-letters/{module}/{id};
/// GET /admin/breakers (state, counts, recent transitions).
void add_admin_routes(Router& router, AdminRoutes deps);

}  // namespace mb::adapters::http::routes
