package slackapp

import (
	"context"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// HandlerFunc handles one request. A returned error is shown to the caller:
// an *atlas.Error by its message (on the named field for a modal), anything
// else as a short apology with a reference id, the details going to the log.
type HandlerFunc func(ctx context.Context, r *Request) error

// Route is a handler and the least role it needs. An empty Min lets anyone
// in, even a person who is not on the team yet.
type Route struct {
	Min atlas.Role
	// Others is the least role needed to name another person in the
	// command (a mention, such as `/timesheet @bea`); empty lets anyone
	// who may use the route name anyone.
	Others atlas.Role
	// Refusal says what the role allows, for a caller without it: "Only
	// admins can add people to the team". Empty: "That needs the Admin
	// role".
	Refusal string
	Handle  HandlerFunc
}

// Because is the route with its refusal worded for people.
func (r Route) Because(refusal string) Route { r.Refusal = refusal; return r }

// Command describes one slash command (or subcommand, of one or more words:
// "clients add") for routing, help and the manifest. Its role is declared
// here, so the router refuses it before any handler runs, and help lists it
// only to those who may use it.
type Command struct {
	Name    string // "/atlas"
	Sub     string // "clients add"; empty for the command itself
	Area    string // the help section it is listed under: "Time", "Tasks", ...
	Usage   string // "/atlas clients add"
	Summary string
	// Detail is the longer explanation `help` after the command shows
	// (`/log help`): rules, formats, what happens.
	Detail string
	// Examples are typed as people type them; {client}, {client2}, {name}
	// and {service} become the practice's own client codes, a client's
	// name and a service code, so an example can be tried as it stands.
	Examples []string
	// OthersUsage and OthersExamples replace Usage and Examples in the
	// help of those whose role lets them name other people (Route.Others).
	OthersUsage    string
	OthersExamples []string
	// RoleNotes follow Summary in the help of those whose role lets them
	// do what each names, and in no one else's: what the command offers
	// only some roles ("Admins change items with the list's buttons.").
	RoleNotes []RoleNote
	// Hidden keeps an alias out of help (`/atlas` alone is help itself).
	Hidden bool
	Route
}

// RoleNote is a sentence of a command's help for Min's role and those above.
type RoleNote struct {
	Min  atlas.Role
	Text string
}

// Staff, Manager, Partner and Admin are routes for handlers open to that
// role and the roles above it; Anyone is open to people not on the team.
func Staff(h HandlerFunc) Route   { return Route{Min: atlas.RoleStaff, Handle: h} }
func Manager(h HandlerFunc) Route { return Route{Min: atlas.RoleManager, Handle: h} }
func Partner(h HandlerFunc) Route { return Route{Min: atlas.RolePartner, Handle: h} }
func Admin(h HandlerFunc) Route   { return Route{Min: atlas.RoleAdmin, Handle: h} }
func Anyone(h HandlerFunc) Route  { return Route{Handle: h} }
