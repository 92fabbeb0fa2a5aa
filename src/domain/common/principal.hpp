#pragma once
// Principal: who is calling a use case (MISSION.md; ARCHITECTURE.md, "Identity and
// authorization"). The HTTP adapter turns a verified token into one; every use case receives
// it and the ownership rules next to each aggregate decide with it. A plain value type:
// immutable after construction, safe to copy between threads.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace mb::domain {

/// The roles of the `roles` claim (README, "Security").
enum class Role : std::uint8_t {
    kCustomer = 1U << 0U,  ///< books, reads, cancels and reviews only their own bookings
    kStaff = 1U << 1U,     ///< the cinema counter: reads any booking and ticket, prints any ticket
    kAdmin = 1U << 2U,     ///< catalogue, faults, modules, dead letters, breakers; reads everything
};

/// The wire name of a role ("customer", "staff", "admin").
[[nodiscard]] constexpr std::string_view to_string(Role role) noexcept {
    switch (role) {
        case Role::kCustomer:
            return "customer";
        case Role::kStaff:
            return "staff";
        case Role::kAdmin:
            return "admin";
    }
    return "customer";
}

/// The role named `name` (exact, lower case), or nullopt for an unknown name.
[[nodiscard]] constexpr std::optional<Role> role_from(std::string_view name) noexcept {
    for (const Role r : {Role::kCustomer, Role::kStaff, Role::kAdmin}) {
        if (to_string(r) == name)
            return r;
    }
    return std::nullopt;
}

class Principal {
public:
    /// A caller identified by a token: `subject` is the `sub` claim (the customer id), `roles`
    /// an OR of Role bits.
    [[nodiscard]] static Principal user(std::string subject, std::uint8_t roles) {
        return Principal(std::move(subject), roles, false);
    }
    /// A customer (role `customer` only) called `subject`.
    [[nodiscard]] static Principal customer(std::string subject) {
        return user(std::move(subject), static_cast<std::uint8_t>(Role::kCustomer));
    }
    /// The process itself — sagas, recovery, event policies — and every caller when
    /// `auth = off` (the local demo, README "Security"): sees and may do everything, and books
    /// for the customerId the request names.
    [[nodiscard]] static Principal system() { return Principal({}, 0, true); }

    /// Nobody: the caller of a public route (health, catalogue) when auth = jwt. Owns nothing,
    /// holds no role.
    [[nodiscard]] static Principal anonymous() { return Principal({}, 0, false); }

    /// The `sub` claim; empty for system() and anonymous().
    [[nodiscard]] const std::string& subject() const noexcept { return subject_; }
    [[nodiscard]] bool is_system() const noexcept { return system_; }
    /// Whether the principal holds `role` (system() holds every role).
    [[nodiscard]] bool has(Role role) const noexcept {
        return system_ || (roles_ & static_cast<std::uint8_t>(role)) != 0;
    }
    /// The Role bits (0 for system()).
    [[nodiscard]] std::uint8_t roles() const noexcept { return roles_; }
    /// Whether data of `customer_id` is this principal's own (always true for system()).
    [[nodiscard]] bool owns(std::string_view customer_id) const noexcept {
        return system_ || (!subject_.empty() && subject_ == customer_id);
    }

private:
    Principal(std::string subject, std::uint8_t roles, bool system)
        : subject_(std::move(subject)), roles_(roles), system_(system) {}
    std::string subject_;
    std::uint8_t roles_ = 0;
    bool system_ = false;
};

/// Which rows of a collection a principal may list: nullopt = every row, else only the rows of
/// this customer id. Those who hold a role in `sees_all` (and system()) see every row; everybody
/// else sees their own (MISSION.md via issue 9: "collections are filtered to the caller").
[[nodiscard]] inline std::optional<std::string> customer_filter(
    const Principal& principal, std::initializer_list<Role> sees_all) {
    if (principal.is_system())
        return std::nullopt;
    for (const Role r : sees_all) {
        if (principal.has(r))
            return std::nullopt;
    }
    return principal.subject();
}

}  // namespace mb::domain
