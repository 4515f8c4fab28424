package slackapp

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
)

// Directory tells the router who is calling. It is the practice's store in
// production; the router holds no SQL of its own.
type Directory interface {
	// Identify returns team's practice, made on first contact, and the
	// active member user is (nil for a person not on the team). With
	// bootstrap set, a person who has never been on the team joins it as
	// an admin, named by profile.
	Identify(ctx context.Context, team, user string, bootstrap bool, profile practice.ProfileFunc) (practice.Practice, *practice.Member, error)
	// Admins lists the practice's active admins, for "ask an admin".
	Admins(ctx context.Context, pid atlas.PracticeID) ([]practice.Member, error)
	// ExampleWords are the practice's own client and service codes, for
	// examples in help.
	ExampleWords(ctx context.Context, pid atlas.PracticeID, today time.Time) (practice.ExampleWords, error)
}

// Deliveries remembers the Events API deliveries already handled.
type Deliveries interface {
	// FirstDelivery records an event id and reports whether it was new, so
	// a retried delivery (Slack retries when an ack is slow) is handled once.
	FirstDelivery(ctx context.Context, team, eventID string) (bool, error)
}

// identify loads the caller's practice and team membership.
func (rt *Router) identify(ctx context.Context, req *Request) error {
	bootstrap := req.UserID != "" && slices.Contains(rt.admins, req.UserID)
	p, m, err := rt.directory.Identify(ctx, req.TeamID, req.UserID, bootstrap, func(ctx context.Context) (string, string) {
		return rt.profile(ctx, req.UserID, req.UserName)
	})
	if err != nil {
		return err
	}
	req.Practice, req.Member = p, m
	return nil
}

// profile asks Slack for a person's name and email; a failure is not fatal,
// the Slack handle stands in.
func (rt *Router) profile(ctx context.Context, userID, fallback string) (name, email string) {
	u, err := rt.API.GetUserInfoContext(ctx, userID)
	if err != nil {
		rt.Log.Warn("users.info failed", "user", userID, "err", err)
		if fallback == "" {
			fallback = userID
		}
		return fallback, ""
	}
	name = u.RealName
	if name == "" {
		name = u.Profile.DisplayName
	}
	if name == "" {
		name = u.Name
	}
	return name, u.Profile.Email
}

// refuse checks the caller may use the route, returning the refusal to show
// when they may not.
func (rt *Router) refuse(ctx context.Context, req *Request, route Route) (string, bool) {
	if route.Min == "" {
		return "", true
	}
	if req.Member == nil {
		return rt.notOnTeam(ctx, req), false
	}
	if !req.Member.Can(route.Min) {
		why := fmt.Sprintf("That needs the %s role", route.Min.Title())
		if route.Refusal != "" {
			why = route.Refusal
		}
		return fmt.Sprintf(":no_entry: %s, and your role is %s. %s",
			why, req.Member.Role.Title(), rt.whoToAsk(ctx, req, "to change your role")), false
	}
	if route.Others != "" && !req.Member.Can(route.Others) && req.Kind == KindCommand {
		for _, id := range MentionedUsers(req.Text) {
			if id != req.UserID {
				why := fmt.Sprintf("Asking about someone else needs the %s role", route.Others.Title())
				if route.Refusal != "" {
					why = route.Refusal
				}
				return fmt.Sprintf(":no_entry: %s, and your role is %s. Leave out <@%s> to see your own.",
					why, req.Member.Role.Title(), id), false
			}
		}
	}
	return "", true
}

func (rt *Router) notOnTeam(ctx context.Context, req *Request) string {
	return ":wave: Hi! You are not on this practice's team in Atlas yet. " + rt.whoToAsk(ctx, req, "to add you with `/atlas team add @you staff`")
}

// WhoToAsk names the practice's admins, for a refusal that only an admin
// can lift: "Ask an admin (<@U1>, <@U2>) to change your role."
func (r *Request) WhoToAsk(ctx context.Context, what string) string {
	return r.router.whoToAsk(ctx, r, what)
}

func (rt *Router) whoToAsk(ctx context.Context, req *Request, what string) string {
	admins, err := rt.directory.Admins(ctx, req.Practice.ID)
	if err != nil || len(admins) == 0 {
		return "Ask the person who installed Atlas " + what + "."
	}
	names := make([]string, 0, len(admins))
	for i, a := range admins {
		if i == 3 {
			names = append(names, fmt.Sprintf("%d more", len(admins)-3))
			break
		}
		names = append(names, "<@"+string(a.SlackUserID)+">")
	}
	return "Ask an admin (" + strings.Join(names, ", ") + ") " + what + "."
}
