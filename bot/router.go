package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
)

// AckBudget is how long the router lets a handler build its acknowledgement
// before acknowledging empty on its behalf. Slack allows three seconds; the
// rest is head-room for the network.
const AckBudget = 2500 * time.Millisecond

// HandlerTimeout bounds the work a handler does after its acknowledgement.
const HandlerTimeout = 60 * time.Second

// HandlerFunc handles one request. A returned error is shown to the caller:
// an *atlas.Error by its message (on the named field for a modal), anything
// else as a short apology with a reference id, the details going to the log.
type HandlerFunc func(ctx context.Context, r *Request) error

// Route is a handler and the least role it needs. An empty Min lets anyone
// in, even a person who is not on the team yet.
type Route struct {
	Min    atlas.Role
	Handle HandlerFunc
}

// Command describes one slash command (or /atlas subcommand) for routing,
// help and the manifest.
type Command struct {
	Name     string // "/atlas"
	Sub      string // "help"; empty for the command itself
	Usage    string // "/atlas help"
	Summary  string
	Examples []string
	Route
}

// Incoming is one request from Slack, as either transport receives it.
type Incoming struct {
	Command      *slack.SlashCommand
	Interaction  *slack.InteractionCallback
	Event        *slackevents.EventsAPIEvent
	EventID      string
	RetryAttempt int
}

// Router routes requests by command, action_id, callback_id and event type,
// and enforces the acknowledgement and role rules for every handler.
type Router struct {
	Log     *slog.Logger
	API     *slack.Client
	DB      db.DB
	Clock   atlas.Clock
	Admins  []string // bootstrap admins' Slack user ids
	Budget  time.Duration
	Timeout time.Duration

	mu         sync.RWMutex
	commands   []*Command
	actions    map[string]Route // exact action_id, or a prefix ending in "."
	submits    map[string]Route // view_submission by callback_id
	closes     map[string]Route // view_closed by callback_id
	options    map[string]Route // block_suggestion by action_id
	shortcuts  map[string]Route // global and message shortcuts by callback_id
	events     map[string]Route // Events API by inner event type
	inflight   sync.WaitGroup
	base       context.Context
	cancelBase context.CancelFunc
}

// NewRouter returns a router with no routes.
func NewRouter(log *slog.Logger, api *slack.Client, pool db.DB, admins []string) *Router {
	base, cancel := context.WithCancel(context.Background())
	return &Router{
		Log: log, API: api, DB: pool, Clock: atlas.SystemClock{}, Admins: admins,
		Budget: AckBudget, Timeout: HandlerTimeout,
		actions: map[string]Route{}, submits: map[string]Route{}, closes: map[string]Route{},
		options: map[string]Route{}, shortcuts: map[string]Route{}, events: map[string]Route{},
		base: base, cancelBase: cancel,
	}
}

// HandleCommand registers a slash command or subcommand.
func (rt *Router) HandleCommand(c Command) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.commands = append(rt.commands, &c)
}

// HandleAction registers a block action by action_id. An id ending in "."
// is a prefix: "task.tick." routes "task.tick.42".
func (rt *Router) HandleAction(actionID string, r Route) { rt.set(rt.actions, actionID, r) }

// HandleSubmit registers a modal's submission by callback_id.
func (rt *Router) HandleSubmit(callbackID string, r Route) { rt.set(rt.submits, callbackID, r) }

// HandleClose registers a modal's closing by callback_id.
func (rt *Router) HandleClose(callbackID string, r Route) { rt.set(rt.closes, callbackID, r) }

// HandleOptions registers an external_select's option source by action_id.
func (rt *Router) HandleOptions(actionID string, r Route) { rt.set(rt.options, actionID, r) }

// HandleShortcut registers a global or message shortcut by callback_id.
func (rt *Router) HandleShortcut(callbackID string, r Route) { rt.set(rt.shortcuts, callbackID, r) }

// HandleEvent registers an Events API event type, such as app_home_opened.
func (rt *Router) HandleEvent(eventType string, r Route) { rt.set(rt.events, eventType, r) }

func (rt *Router) set(m map[string]Route, key string, r Route) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if _, dup := m[key]; dup {
		panic("bot: route registered twice: " + key)
	}
	m[key] = r
}

// Commands lists the registered commands and subcommands.
func (rt *Router) Commands() []Command {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	out := make([]Command, 0, len(rt.commands))
	for _, c := range rt.commands {
		out = append(out, *c)
	}
	return out
}

// SlashCommands lists the distinct slash commands, for the manifest.
func (rt *Router) SlashCommands() []string {
	var out []string
	for _, c := range rt.Commands() {
		if !slices.Contains(out, c.Name) {
			out = append(out, c.Name)
		}
	}
	slices.Sort(out)
	return out
}

// Shortcuts lists the callback ids of the shortcuts handled, for the
// manifest.
func (rt *Router) Shortcuts() []string {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	return slices.Sorted(maps.Keys(rt.shortcuts))
}

// EventTypes lists the Events API types handled, for the manifest.
func (rt *Router) EventTypes() []string {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	return slices.Sorted(maps.Keys(rt.events))
}

// Serve handles one request. It returns once the request is acknowledged —
// by the handler, or by the router when the handler has not done so within
// the budget — and the handler may go on working after that. ack is called
// exactly once with the acknowledgement payload (nil for an empty one).
func (rt *Router) Serve(in Incoming, ack func(payload any)) {
	req := rt.newRequest(in, ack)
	route, ackFirst, ok := rt.route(req)
	if !ok {
		rt.Log.Warn("no route for request", "kind", req.Kind, "key", req.RouteKey)
		if req.Kind == KindCommand {
			req.Ack(ephemeral(fmt.Sprintf("Atlas does not know `%s`. Try `/atlas help`.", strings.TrimSpace(req.Command+" "+req.Text))))
		} else {
			req.Ack(nil)
		}
		return
	}
	// Counted before any acknowledgement, so that whoever sees the ack and
	// then drains is sure to wait for this handler too.
	rt.inflight.Add(1)
	if ackFirst {
		req.Ack(nil)
	}
	go func() {
		defer rt.inflight.Done()
		rt.run(req, route)
	}()
	timer := time.NewTimer(rt.Budget)
	defer timer.Stop()
	select {
	case <-req.acked:
	case <-timer.C:
		rt.Log.Warn("handler slow to acknowledge; acknowledged for it", "kind", req.Kind, "key", req.RouteKey)
		req.Ack(nil)
	}
}

// Drain waits for handlers still working after their acknowledgement, up to
// ctx's end, then cancels them.
func (rt *Router) Drain(ctx context.Context) error {
	done := make(chan struct{})
	go func() { rt.inflight.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		rt.cancelBase()
		return fmt.Errorf("handlers still running at shutdown: %w", ctx.Err())
	}
}

// route finds the handler for a request, and whether the request should be
// acknowledged before it runs: actions, shortcuts, closes and events carry
// nothing in their acknowledgement, so they are acknowledged at once.
func (rt *Router) route(req *Request) (Route, bool, bool) {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	switch req.Kind {
	case KindCommand:
		return rt.routeCommand(req)
	case KindAction:
		if r, ok := rt.actions[req.RouteKey]; ok {
			return r, true, true
		}
		for key, r := range rt.actions {
			if strings.HasSuffix(key, ".") && strings.HasPrefix(req.RouteKey, key) {
				return r, true, true
			}
		}
	case KindSubmit:
		r, ok := rt.submits[req.RouteKey]
		return r, false, ok
	case KindClose:
		r, ok := rt.closes[req.RouteKey]
		return r, true, ok
	case KindOptions:
		r, ok := rt.options[req.RouteKey]
		return r, false, ok
	case KindShortcut:
		r, ok := rt.shortcuts[req.RouteKey]
		return r, true, ok
	case KindEvent:
		r, ok := rt.events[req.RouteKey]
		return r, true, ok
	}
	return Route{}, false, false
}

// routeCommand matches "/atlas help me" to the /atlas help subcommand (with
// Text "me"), falling back to the bare command.
func (rt *Router) routeCommand(req *Request) (Route, bool, bool) {
	first, rest, _ := strings.Cut(strings.TrimSpace(req.Text), " ")
	var bare *Command
	for _, c := range rt.commands {
		if c.Name != req.Command {
			continue
		}
		if c.Sub == "" {
			bare = c
		} else if strings.EqualFold(c.Sub, first) {
			req.Text = strings.TrimSpace(rest)
			req.RouteKey = c.Name + " " + c.Sub
			return c.Route, false, true
		}
	}
	if bare != nil {
		return bare.Route, false, true
	}
	return Route{}, false, false
}

// run identifies the caller, checks the role and calls the handler, turning
// errors and panics into answers.
func (rt *Router) run(req *Request, route Route) {
	ctx, cancel := context.WithTimeout(rt.base, rt.Timeout)
	defer cancel()
	req.ctx = ctx
	defer func() {
		if p := recover(); p != nil {
			ref := newRef()
			rt.Log.Error("handler panicked", "ref", ref, "kind", req.Kind, "key", req.RouteKey,
				"user", req.UserID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			actx, cancel := answerContext(ctx)
			defer cancel()
			req.answer(actx, ephemeral(apology(ref)))
		}
	}()
	if req.Kind == KindEvent && req.EventID != "" {
		fresh, err := rt.firstDelivery(ctx, req)
		if err != nil {
			rt.fail(ctx, req, err)
			return
		}
		if !fresh {
			rt.Log.Info("duplicate event delivery ignored", "event_id", req.EventID, "retry", req.RetryAttempt)
			return
		}
	}
	if err := rt.identify(ctx, req); err != nil {
		rt.fail(ctx, req, err)
		return
	}
	if msg, ok := rt.refuse(ctx, req, route); !ok {
		if rt.unattended(req, "request refused", msg) {
			return
		}
		if req.Kind == KindSubmit {
			req.Ack(nil)
		}
		req.answer(ctx, ephemeral(msg))
		return
	}
	if err := route.Handle(ctx, req); err != nil {
		rt.fail(ctx, req, err)
		return
	}
	req.Ack(nil)
}

// firstDelivery records an event id and reports whether it was new, so a
// retried delivery (Slack retries when an ack is slow) is processed once.
func (rt *Router) firstDelivery(ctx context.Context, req *Request) (bool, error) {
	tag, err := rt.DB.Exec(ctx, `INSERT INTO slack_events (practice_id, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		req.TeamID, req.EventID)
	if err != nil {
		return false, fmt.Errorf("record event %s: %w", req.EventID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// answerContext gives an answer its own few seconds: the handler's context
// may be what ran out, and the person must still hear why.
func answerContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
}

// unattended logs the outcome of a request nobody reads messages about —
// option loads fire on every keystroke, events have nobody waiting — and
// reports whether it was one; those get no message.
func (rt *Router) unattended(req *Request, what, reason string) bool {
	if req.Kind != KindOptions && req.Kind != KindEvent {
		return false
	}
	rt.Log.Warn(what, "kind", req.Kind, "key", req.RouteKey, "user", req.UserID, "reason", reason)
	if req.Kind == KindOptions {
		req.Options(nil)
	}
	return true
}

// fail answers a handler's error.
func (rt *Router) fail(ctx context.Context, req *Request, err error) {
	ctx, cancel := answerContext(ctx)
	defer cancel()
	if rt.unattended(req, "request failed", err.Error()) {
		return
	}
	code := atlas.ErrorCode(err)
	if code == atlas.EInternal {
		ref := newRef()
		rt.Log.Error("handler failed", "ref", ref, "kind", req.Kind, "key", req.RouteKey, "user", req.UserID, "err", err)
		if req.Kind == KindSubmit {
			req.Ack(nil)
		}
		req.answer(ctx, ephemeral(apology(ref)))
		return
	}
	rt.Log.Info("request refused", "kind", req.Kind, "key", req.RouteKey, "user", req.UserID, "code", code, "reason", atlas.ErrorMessage(err))
	var amb *practice.AmbiguousError
	if errors.As(err, &amb) && req.Kind == KindCommand {
		req.answer(ctx, pickClient(req, amb))
		return
	}
	var fields atlas.FieldErrors
	if req.Kind == KindSubmit && errors.As(err, &fields) && len(fields) > 0 && req.Ack(slack.NewErrorsViewSubmissionResponse(fields.Fields())) {
		return
	}
	if req.Kind == KindSubmit {
		field := atlas.ErrorField(err)
		if field != "" && req.Ack(slack.NewErrorsViewSubmissionResponse(map[string]string{field: atlas.ErrorMessage(err)})) {
			return
		}
		req.Ack(nil)
	}
	req.answer(ctx, ephemeral(errorText(err)))
}

func errorText(err error) string {
	switch atlas.ErrorCode(err) {
	case atlas.EForbidden:
		return ":no_entry: " + atlas.ErrorMessage(err)
	default:
		return ":warning: " + atlas.ErrorMessage(err)
	}
}

func apology(ref string) string {
	return fmt.Sprintf(":face_with_head_bandage: Sorry, something went wrong on our side and nothing was changed. "+
		"If it keeps happening, tell your admin the reference `%s`.", ref)
}

func newRef() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "E-" + strings.ToUpper(hex.EncodeToString(b))
}

// identify loads the caller's practice and team membership, making the
// practice on first contact and a bootstrap admin a member on theirs.
func (rt *Router) identify(ctx context.Context, req *Request) error {
	store := practice.Store{DB: rt.DB}
	// A plain read on every request; the insert happens on first contact only.
	p, err := store.Get(ctx, atlas.PracticeID(req.TeamID))
	if atlas.ErrorCode(err) == atlas.ENotFound {
		p, err = store.Ensure(ctx, atlas.PracticeID(req.TeamID))
	}
	if err != nil {
		return err
	}
	req.Practice = p
	if req.UserID == "" {
		return nil
	}
	m, err := store.MemberBySlackID(ctx, p.ID, atlas.SlackUserID(req.UserID))
	switch {
	case err == nil:
		req.Member = &m
	case atlas.ErrorCode(err) == atlas.ENotFound && slices.Contains(rt.Admins, req.UserID) && !rt.everOnTeam(ctx, p.ID, req.UserID):
		name, email := rt.profile(ctx, req.UserID, req.UserName)
		m, err := store.AddMember(ctx, p.ID, 0, practice.NewMember{
			SlackUserID: atlas.SlackUserID(req.UserID), Name: name, Email: email, Role: atlas.RoleAdmin,
		})
		if err != nil {
			return err
		}
		rt.Log.Info("bootstrap admin added", "practice", p.ID, "user", req.UserID)
		req.Member = &m
	case atlas.ErrorCode(err) == atlas.ENotFound:
	default:
		return err
	}
	return nil
}

// everOnTeam reports whether a person has a member row, active or not: a
// bootstrap admin whom the practice later removed stays removed.
func (rt *Router) everOnTeam(ctx context.Context, pid atlas.PracticeID, userID string) bool {
	var n int
	err := rt.DB.QueryRow(ctx, `SELECT count(*) FROM members WHERE practice_id = $1 AND slack_user_id = $2`, pid, userID).Scan(&n)
	return err != nil || n > 0
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
		return fmt.Sprintf(":no_entry: That needs the %s role, and you are %s %s. %s",
			route.Min.Title(), article(req.Member.Role), req.Member.Role.Title(), rt.whoToAsk(ctx, req, "to change your role")), false
	}
	return "", true
}

func (rt *Router) notOnTeam(ctx context.Context, req *Request) string {
	return ":wave: Hi! You are not on this practice's team in Atlas yet. " + rt.whoToAsk(ctx, req, "to add you with `/atlas team add @you staff`")
}

func (rt *Router) whoToAsk(ctx context.Context, req *Request, what string) string {
	admins, err := practice.Store{DB: rt.DB}.Admins(ctx, req.Practice.ID)
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

func article(r atlas.Role) string {
	if r == atlas.RoleAdmin {
		return "an"
	}
	return "a"
}

// rerun handles a command again on behalf of an interaction — a client
// picked from an ambiguous list, a timesheet's next page — answering through
// the interaction's response_url in place of the message clicked. key keeps
// a double click from writing twice.
func (rt *Router) rerun(from *Request, command, text, key string) {
	in := Incoming{Command: &slack.SlashCommand{Command: command, Text: text, TeamID: from.TeamID, UserID: from.UserID,
		UserName: from.UserName, ChannelID: from.ChannelID, TriggerID: from.TriggerID, ResponseURL: from.ResponseURL}}
	req := rt.newRequest(in, func(any) {})
	req.Ack(nil) // the interaction is acknowledged; answers go to response_url
	req.idemKey, req.replace = key, true
	route, _, ok := rt.route(req)
	if !ok {
		from.answer(from.ctx, ephemeral(fmt.Sprintf("Atlas does not know `%s %s`.", command, text)))
		return
	}
	rt.run(req, route)
}
