package atlas

import "strings"

// Role is what a team member may do. Roles are ordered: each includes the
// powers of the ones below it.
type Role string

// The roles, weakest first.
const (
	RoleStaff   Role = "staff"
	RoleManager Role = "manager"
	RolePartner Role = "partner"
	RoleAdmin   Role = "admin"
)

// Roles lists every role, weakest first.
var Roles = []Role{RoleStaff, RoleManager, RolePartner, RoleAdmin}

func (r Role) rank() int {
	for i, x := range Roles {
		if x == r {
			return i
		}
	}
	return -1
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r.rank() >= 0 }

// AtLeast reports whether r includes the powers of min.
func (r Role) AtLeast(min Role) bool { return r.Valid() && r.rank() >= min.rank() }

// ParseRole reads a role name, case-insensitively.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !r.Valid() {
		return "", Errorf(EInvalid, "%q is not a role. Use one of: staff, manager, partner, admin.", s)
	}
	return r, nil
}

// Title is the role's name for people ("Partner").
func (r Role) Title() string {
	if r == "" {
		return ""
	}
	return strings.ToUpper(string(r[:1])) + string(r[1:])
}
