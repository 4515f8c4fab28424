package slackapp

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/metrics"
)

// AckBudget is how long the router lets a handler build its acknowledgement
// before acknowledging empty on its behalf. Slack allows three seconds; the
// rest is head-room for the network.
const AckBudget = 2500 * time.Millisecond

// HandlerSlots is how many handlers run at once; the rest wait their turn
// without taking CPU from the acknowledgements (which never wait for a
// slot). Two per core of the load test's machine: with eight, three
// replicas on two cores ran 24 handlers against each other and the
// database, and a command's acknowledgement waited behind them (unpaced
// p99 89–140 ms over twelve runs); with four, 68–121 ms over six, and one
// replica's fell from 13–19 ms to 13–15.
const HandlerSlots = 4

// HandlerTimeout bounds the work a handler does after its acknowledgement.
const HandlerTimeout = 60 * time.Second

// Incoming is one request from Slack, as either transport receives it.
type Incoming struct {
	Command      *slack.SlashCommand
	Interaction  *slack.InteractionCallback
	Event        *slackevents.EventsAPIEvent
	EventID      string
	RetryAttempt int
}

// Config is what a Router is built from. Directory and Deliveries are the
// router's only ways into the database: it runs no SQL of its own.
type Config struct {
	Log        *slog.Logger
	API        *slack.Client
	Directory  Directory
	Deliveries Deliveries
	Clock      atlas.Clock // defaults to the system clock
	Admins     []string    // bootstrap admins' Slack user ids
	// Unavailable reports whether an error means the database cannot be
	// reached, which is answered as such (try again in a minute) rather
	// than as a fault. Nil: no error is.
	Unavailable func(error) bool
}

// Router routes requests by command, action_id, callback_id and event type,
// and enforces the acknowledgement and role rules for every handler.
type Router struct {
	Log    *slog.Logger
	API    *slack.Client
	Clock  atlas.Clock
	Budget time.Duration
	// CommandBudget, when set, is how long a slash command's handler may
	// take to answer within the acknowledgement, when it runs alone; a
	// slower answer follows through the response_url. Kept short, it means
	// no acknowledgement waits on slow work: under a burst, Slack hears
	// back at once and the answers come as the work finishes. Zero means
	// Budget.
	CommandBudget time.Duration
	Timeout       time.Duration

	directory   Directory
	deliveries  Deliveries
	admins      []string
	unavailable func(error) bool
	// outage is set while the database is unreachable, so that one outage
	// is logged once, with one reference, however many requests fail.
	outage atomic.Bool

	mu         sync.RWMutex
	commands   []*Command
	actions    map[string]Route // exact action_id, or a prefix ending in "."
	submits    map[string]Route // view_submission by callback_id
	closes     map[string]Route // view_closed by callback_id
	options    map[string]Route // block_suggestion by action_id
	shortcuts  map[string]Route // global and message shortcuts by callback_id
	events     map[string]Route // Events API by inner event type
	answerers  []ErrorAnswer
	renderers  map[string]RenderFunc // outbox messages, by name
	files      map[string]FileFunc   // outbox uploads, by name
	users      userDirectory
	home       HandlerFunc
	inflight   handlerCount
	slots      chan struct{} // see HandlerSlots
	base       context.Context
	cancelBase context.CancelFunc
}

// NewRouter returns a router with the kernel's own routes (help) and no
// feature's.
func NewRouter(c Config) *Router {
	base, cancel := context.WithCancel(context.Background())
	if c.Clock == nil {
		c.Clock = atlas.SystemClock{}
	}
	rt := &Router{
		Log: c.Log, API: c.API, Clock: c.Clock, Budget: AckBudget, Timeout: HandlerTimeout,
		directory: c.Directory, deliveries: c.Deliveries, admins: c.Admins, unavailable: c.Unavailable,
		actions: map[string]Route{}, submits: map[string]Route{}, closes: map[string]Route{},
		options: map[string]Route{}, shortcuts: map[string]Route{}, events: map[string]Route{}, renderers: map[string]RenderFunc{}, files: map[string]FileFunc{},
		base: base, cancelBase: cancel, slots: make(chan struct{}, HandlerSlots),
	}
	rt.registerHelp()
	return rt
}

// HandleCommand registers a slash command or subcommand.
func (rt *Router) HandleCommand(c Command) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for _, have := range rt.commands {
		if have.Name == c.Name && strings.EqualFold(have.Sub, c.Sub) {
			panic("slackapp: command registered twice: " + c.Name + " " + c.Sub)
		}
	}
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

// HandleHome registers what publishes a person's App Home, so that any
// feature can refresh it after a change (Request.RefreshHome) without
// knowing what it shows.
func (rt *Router) HandleHome(h HandlerFunc) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.home = h
}

// AnswerErrors registers a feature's answer to errors of its own kinds,
// such as a client name that matches several clients; the router asks each
// in turn before its generic answer.
func (rt *Router) AnswerErrors(a ErrorAnswer) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.answerers = append(rt.answerers, a)
}

func (rt *Router) set(m map[string]Route, key string, r Route) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if _, dup := m[key]; dup {
		panic("slackapp: route registered twice: " + key)
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
	start := time.Now()
	req := rt.newRequest(in, ack)
	route, ackFirst, ok := rt.route(req)
	if !ok {
		metrics.SlackRequests.WithLabelValues(metricKind(req.Kind), "unmatched").Inc()
		rt.Log.Warn("no route for request", "kind", req.Kind, "key", req.RouteKey)
		if req.Kind == KindCommand {
			req.Ack(Text(rt.unknownCommand(req.Command, req.Text, nil)).ackPayload())
		} else {
			req.Ack(nil)
		}
		return
	}
	// Counted before any acknowledgement, so that whoever sees the ack and
	// then drains is sure to wait for this handler too.
	rt.inflight.add()
	budget, quick := rt.Budget, false
	if req.Kind == KindCommand && rt.CommandBudget > 0 {
		budget, quick = rt.CommandBudget, true
	}
	// A slot taken here, if one is free, is the handler's. A command
	// answers within its budget only when its handler runs alone: one that
	// finds another handler at work shares the CPU with it and seldom
	// finishes in time, and one that finds every slot busy cannot start.
	// Either is acknowledged at once, so that in a burst no ack waits out
	// a budget behind the others' work.
	held := false
	select {
	case rt.slots <- struct{}{}:
		held = true
	default:
	}
	alone := held && len(rt.slots) == 1
	if ackFirst || (quick && !alone) {
		req.Ack(nil)
	}
	go func() {
		defer rt.inflight.done()
		if !held {
			rt.slots <- struct{}{}
		}
		defer func() { <-rt.slots }()
		rt.run(req, route)
		kind, key := metricKind(req.Kind), cmp.Or(req.routePrefix, req.RouteKey)
		metrics.SlackRequests.WithLabelValues(kind, key).Inc()
		metrics.SlackRequestDuration.WithLabelValues(kind, key).Observe(time.Since(start).Seconds())
		if req.failed {
			metrics.SlackRequestErrors.WithLabelValues(kind, key).Inc()
		}
	}()
	timer := time.NewTimer(budget)
	defer timer.Stop()
	select {
	case <-req.acked:
	case <-timer.C:
		if quick {
			// The answer follows through the response_url.
			rt.Log.Debug("command acknowledged before its answer", "key", req.RouteKey, "budget", budget)
		} else {
			rt.Log.Warn("handler slow to acknowledge; acknowledged for it", "kind", req.Kind, "key", req.RouteKey)
		}
		req.Ack(nil)
	}
}

// Drain waits for handlers still working after their acknowledgement, up to
// ctx's end, then cancels them.
func (rt *Router) Drain(ctx context.Context) error {
	select {
	case <-rt.inflight.idle():
		return nil
	case <-ctx.Done():
		rt.cancelBase()
		return fmt.Errorf("handlers still running at shutdown: %w", ctx.Err())
	}
}

// metricKind is a request's kind as a metric label: one of the kinds the
// router knows, or "other".
func metricKind(k Kind) string {
	switch k {
	case KindCommand, KindAction, KindSubmit, KindClose, KindOptions, KindShortcut, KindEvent:
		return string(k)
	}
	return "other"
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
				req.routePrefix = key
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

// routeCommand matches "/atlas clients add" to the /atlas subcommand
// "clients add" (the longest subcommand whose words begin the text, Text
// becoming what follows), falling back to the bare command.
func (rt *Router) routeCommand(req *Request) (Route, bool, bool) {
	words := strings.Fields(req.Text)
	var bare, best *Command
	bestLen := 0
	for _, c := range rt.commands {
		if c.Name != req.Command {
			continue
		}
		if c.Sub == "" {
			bare = c
			continue
		}
		sub := strings.Fields(c.Sub)
		if len(sub) <= bestLen || len(sub) > len(words) {
			continue
		}
		match := true
		for i, w := range sub {
			if !strings.EqualFold(w, words[i]) {
				match = false
				break
			}
		}
		if match {
			best, bestLen = c, len(sub)
		}
	}
	if best != nil {
		req.Text = restAfterWords(req.Text, bestLen)
		req.RouteKey = best.Name + " " + best.Sub
		req.command = best
	} else if bare != nil {
		req.command = bare
	} else {
		return Route{}, false, false
	}
	// "help" after any command is that command's help: the kernel's, so
	// every command has one and none can forget it.
	if strings.EqualFold(strings.TrimSpace(req.Text), "help") {
		return Anyone(rt.commandHelp), false, true
	}
	return req.command.Route, false, true
}

// restAfterWords is text without its first n words, spacing inside the
// rest kept (a quoted client name stays as typed).
func restAfterWords(text string, n int) string {
	rest := strings.TrimSpace(text)
	for range n {
		i := strings.IndexFunc(rest, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' })
		if i < 0 {
			return ""
		}
		rest = strings.TrimSpace(rest[i:])
	}
	return rest
}

// run identifies the caller, checks the role and calls the handler, turning
// errors and panics into answers.
func (rt *Router) run(req *Request, route Route) {
	ctx, cancel := context.WithTimeout(rt.base, rt.Timeout)
	defer cancel()
	req.ctx = ctx
	defer rt.recoverPanic(ctx, req)
	if req.Kind == KindEvent && req.EventID != "" {
		fresh, err := rt.deliveries.FirstDelivery(ctx, req.TeamID, req.EventID)
		if err != nil {
			rt.fail(ctx, req, fmt.Errorf("record event %s: %w", req.EventID, err))
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
	if rt.outage.CompareAndSwap(true, false) {
		rt.Log.Info("database reachable again")
	}
	if req.Member != nil {
		if err := rt.resolveMentions(ctx, req); err != nil {
			rt.fail(ctx, req, err)
			return
		}
	}
	if msg, ok := rt.refuse(ctx, req, route); !ok {
		if rt.unattended(req, "request refused", msg) {
			return
		}
		if req.Kind == KindSubmit {
			req.Ack(nil)
		}
		req.answer(ctx, Text(msg))
		return
	}
	if err := route.Handle(ctx, req); err != nil {
		rt.fail(ctx, req, err)
		return
	}
	req.Ack(nil)
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

// Rerun handles a command again on behalf of an interaction — a client
// picked from an ambiguous list, a list's next page — answering through
// the interaction's response_url in place of the message clicked. key keeps
// a double click from writing twice.
func (r *Request) Rerun(command, text, key string) {
	rt := r.router
	in := Incoming{Command: &slack.SlashCommand{Command: command, Text: text, TeamID: r.TeamID, UserID: r.UserID,
		UserName: r.UserName, ChannelID: r.ChannelID, TriggerID: r.TriggerID, ResponseURL: r.ResponseURL}}
	req := rt.newRequest(in, func(any) {})
	req.Ack(nil) // the interaction is acknowledged; answers go to response_url
	req.idemKey, req.replace = key, true
	route, _, ok := rt.route(req)
	if !ok {
		r.answer(r.ctx, Text(rt.unknownCommand(command, text, nil)))
		return
	}
	rt.run(req, route)
}

// handlerCount counts the handlers running. Unlike a sync.WaitGroup, it may
// be waited on while new handlers start (a test drains between requests,
// a server while the socket still delivers): idle is closed whenever the
// count falls to zero.
type handlerCount struct {
	mu      sync.Mutex
	running int
	zero    chan struct{} // closed while running is 0
}

func (c *handlerCount) add() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running == 0 {
		c.zero = make(chan struct{})
	}
	c.running++
}

func (c *handlerCount) done() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.running--
	if c.running == 0 {
		close(c.zero)
	}
}

// idle is closed once no handler is running.
func (c *handlerCount) idle() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running == 0 {
		closed := make(chan struct{})
		close(closed)
		return closed
	}
	return c.zero
}
