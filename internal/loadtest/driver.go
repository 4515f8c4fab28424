package loadtest

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

// AnswerTimeout is how long a person waits for an answer before counting
// the request as unanswered (an error).
const AnswerTimeout = 10 * time.Second

// Deadline is Slack's: an envelope not acknowledged within it is retried
// and the person sees a timeout.
const Deadline = 3 * time.Second

// Sample is one request's timings.
type Sample struct {
	Action   string
	Ack      time.Duration // envelope written to the socket → acknowledged
	Answer   time.Duration // envelope sent → first answer the person sees
	Acked    bool
	Answered bool
	Failed   bool   // answered with an apology or "database unreachable"
	Text     string // the answer's text, for a failure's report
}

// request is one envelope in flight and what has come of it. The driver
// mints its trigger_id and response_url itself and files the request under
// them before the envelope goes out, so neither its ack nor its answer can
// come before the observer can match it.
type request struct {
	action  string
	sent    time.Time
	trigger string // its trigger_id: matches its ack and a window it opens
	respID  string // its response_url's id, for a slash command or a click
	msgTS   string // the message a click came from, whose chat.update answers it

	written         time.Time // when the stand-in wrote its envelope to the socket
	acked, answered time.Time
	text            string
	view            json.RawMessage // a task window the answer opened
	done            chan struct{}
}

// Driver plays the practice's people against the stand-in and times what
// Atlas does in answer.
type Driver struct {
	fake     *slackfake.Server
	respBase string // the stand-in's response_url prefix
	prac     Practice
	rng      *rand.Rand

	mu        sync.Mutex
	byUser    map[string]*request // the one request each person has in flight
	byTrigger map[string]*request
	byResp    map[string]*request // response_url id
	byTS      map[string]*request
	seq       int // for trigger ids, response_url ids and message ts

	// Per person, guarded by mu: the task window they have open, the
	// tasks they prepare, the invoices a partner has left to approve, and
	// whether their timer runs.
	views    map[string]json.RawMessage
	tasks    map[string][]int64
	invoices map[string][]int64
	timing   map[string]bool
}

// NewDriver returns a driver; Observe must be given to the stand-in as its
// observer (slackfake.WithObserver) before any replica connects.
func NewDriver() *Driver {
	return &Driver{
		rng:    rand.New(rand.NewPCG(7, 11)),
		byUser: map[string]*request{}, byTrigger: map[string]*request{},
		byResp: map[string]*request{}, byTS: map[string]*request{},
		views: map[string]json.RawMessage{}, tasks: map[string][]int64{}, invoices: map[string][]int64{}, timing: map[string]bool{},
	}
}

// Attach gives the driver the stand-in and the practice it plays, with each
// person's tasks and each partner's share of the invoices awaiting approval.
func (d *Driver) Attach(fake *slackfake.Server, p Practice, tasks map[string][]int64, invoices map[string][]int64) {
	respBase := fake.URL() + "/response/"
	d.mu.Lock()
	defer d.mu.Unlock()
	d.fake, d.respBase, d.prac, d.tasks, d.invoices = fake, respBase, p, tasks, invoices
}

// Observe is the stand-in's observer: it matches what Atlas did to the
// request it answers. It runs under the stand-in's lock, so it only
// records.
func (d *Driver) Observe(e slackfake.Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch e.Kind {
	case slackfake.EventAck:
		if req := d.byTrigger[e.Envelope.TriggerID]; req != nil {
			d.ackLocked(req, e.Sent, e.At, e.AckPayload)
		}
	case slackfake.EventResponse:
		if req := d.byResp[e.Response.ID]; req != nil {
			d.answerLocked(req, e.At, e.Response.Params["text"]+e.Response.Params["blocks"])
		}
	case slackfake.EventCall:
		c := e.Call
		if c.Error != "" {
			return
		}
		var req *request
		switch c.Method {
		case "chat.postEphemeral":
			// Only where the person asked: a notice elsewhere is not the
			// answer.
			if r := d.byUser[c.Param("user")]; r != nil && c.Param("channel") == d.prac.Channel {
				req = r
			}
		case "chat.postMessage":
			// /wip answers by DM; other DMs are notices (a pack sent for
			// review, an invoice approved), not answers.
			if r := d.byUser[strings.TrimPrefix(c.Param("channel"), "D")]; r != nil && r.action == "wip" {
				req = r
			}
		case "chat.update":
			req = d.byTS[c.Param("ts")]
		case "views.open", "views.push":
			req = d.byTrigger[c.Param("trigger_id")]
			if req != nil && req.action == "open" {
				var resp struct {
					View json.RawMessage `json:"view"`
				}
				if json.Unmarshal(c.Response, &resp) == nil {
					req.view = resp.View
				}
			}
		case "views.update":
			// A tick redraws the window the person has open.
			for user, r := range d.byUser {
				if r.action == "tick" && c.Param("view_id") == viewID(d.views[user]) {
					req = r
					var resp struct {
						View json.RawMessage `json:"view"`
					}
					if json.Unmarshal(c.Response, &resp) == nil {
						req.view = resp.View
					}
					break
				}
			}
		}
		if req != nil {
			d.answerLocked(req, e.At, c.Param("text")+c.Param("blocks")+c.Param("view"))
		}
	}
}

// answerLocked records req's first answer, and ackLocked its
// acknowledgement (which, for a slash command, may be the answer too); the
// request is done when it has both.
func (d *Driver) answerLocked(req *request, at time.Time, text string) {
	if !req.answered.IsZero() {
		return
	}
	req.answered, req.text = at, text
	d.doneLocked(req)
}

func (d *Driver) ackLocked(req *request, written, at time.Time, payload json.RawMessage) {
	if !req.acked.IsZero() {
		return
	}
	req.acked, req.written = at, written
	if text, ok := ackText(payload); ok {
		d.answerLocked(req, at, text)
	}
	d.doneLocked(req)
}

func (d *Driver) doneLocked(req *request) {
	if !req.acked.IsZero() && !req.answered.IsZero() {
		select {
		case <-req.done:
		default:
			close(req.done)
		}
	}
}

// ackText is the text of an acknowledgement that answers by itself (a
// slash command's reply), and whether it does.
func ackText(payload json.RawMessage) (string, bool) {
	if len(payload) == 0 || string(payload) == "null" || string(payload) == "{}" {
		return "", false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(payload, &m) != nil || (m["text"] == nil && m["blocks"] == nil) {
		return "", false
	}
	return string(payload), true
}

func viewID(view json.RawMessage) string {
	var v struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(view, &v) != nil || v.ID == "" {
		return "\x00"
	}
	return v.ID
}

// failed reports whether an answer is Atlas saying it failed.
func failed(text string) bool {
	return strings.Contains(text, "something went wrong") || strings.Contains(text, "can't reach its database")
}

// Do sends one action for person p and waits for its answer. The action is
// picked by the person's role, as their day would mix them.
func (d *Driver) Do(ctx context.Context, p Person) Sample {
	d.mu.Lock()
	action := d.pickLocked(p)
	d.mu.Unlock()
	return d.send(ctx, p, action)
}

// weights are each role's mix of actions.
var weights = map[atlas.Role][]struct {
	action string
	weight int
}{
	atlas.RoleStaff:   {{"log", 40}, {"timer", 14}, {"timesheet", 10}, {"tasks", 10}, {"tick", 22}, {"board", 4}},
	atlas.RoleManager: {{"log", 30}, {"timer", 8}, {"timesheet", 12}, {"tasks", 14}, {"board", 20}, {"wip", 8}, {"inbox", 8}},
	atlas.RolePartner: {{"log", 24}, {"approve", 36}, {"board", 16}, {"wip", 8}, {"timesheet", 8}, {"tasks", 8}},
	atlas.RoleAdmin:   {{"log", 30}, {"timesheet", 20}, {"board", 25}, {"tasks", 25}},
}

func (d *Driver) pickLocked(p Person) string {
	mix := weights[p.Role]
	total := 0
	for _, w := range mix {
		total += w.weight
	}
	n := d.rng.IntN(total)
	for _, w := range mix {
		if n < w.weight {
			switch {
			case w.action == "tick" && d.views[p.SlackID] == nil:
				if len(d.tasks[p.SlackID]) == 0 {
					return "log"
				}
				return "open"
			case w.action == "approve" && len(d.invoices[p.SlackID]) == 0:
				return "board"
			}
			return w.action
		}
		n -= w.weight
	}
	return "log"
}

// send builds the envelope for action, sends it and waits for its answer.
func (d *Driver) send(ctx context.Context, p Person, action string) Sample {
	d.mu.Lock()
	req := &request{action: action, done: make(chan struct{})}
	build := d.buildLocked(p, req)
	d.byUser[p.SlackID] = req
	d.mu.Unlock()

	// Sent without mu: the stand-in calls Observe under its own lock, which
	// then takes mu.
	req.sent = time.Now()
	build()

	timer := time.NewTimer(AnswerTimeout)
	defer timer.Stop()
	select {
	case <-req.done:
	case <-timer.C:
	case <-ctx.Done():
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.byTrigger, req.trigger)
	delete(d.byResp, req.respID)
	delete(d.byTS, req.msgTS)
	if d.byUser[p.SlackID] == req {
		delete(d.byUser, p.SlackID)
	}
	s := Sample{Action: action, Acked: !req.acked.IsZero(), Answered: !req.answered.IsZero(), Text: req.text}
	if s.Acked {
		// From the frame's write, where Slack's clock starts: the driver's
		// own wait for the stand-in to take the envelope is not Atlas's.
		s.Ack = req.acked.Sub(cmp.Or(req.written, req.sent))
	}
	if s.Answered {
		s.Answer = req.answered.Sub(req.sent)
		s.Failed = failed(req.text)
	}
	switch action {
	case "open", "tick":
		if req.view != nil && strings.Contains(string(req.view), "task.items") && !allTicked(req.view) {
			d.views[p.SlackID] = req.view
		} else {
			delete(d.views, p.SlackID)
		}
	}
	return s
}

// fileLocked gives req a trigger_id and, where withResponseURL, a
// response_url of its own, and files it under them.
func (d *Driver) fileLocked(req *request, withResponseURL bool) (triggerID, responseURL string) {
	d.seq++
	req.trigger = fmt.Sprintf("%d.738474920.%032x", 1800000000+d.seq, d.seq)
	d.byTrigger[req.trigger] = req
	if !withResponseURL {
		return req.trigger, ""
	}
	req.respID = fmt.Sprintf("RLOAD%d", d.seq)
	d.byResp[req.respID] = req
	return req.trigger, d.respBase + req.respID
}

// buildLocked prepares the envelope of req's action, files req under what
// will match its ack and answer, and returns the function that sends it.
func (d *Driver) buildLocked(p Person, req *request) func() *slackfake.Envelope {
	cmd := func(command, text string) func() *slackfake.Envelope {
		trigger, responseURL := d.fileLocked(req, true)
		c := slack.SlashCommand{Command: command, Text: text, UserID: p.SlackID, UserName: p.SlackID,
			ChannelID: d.prac.Channel, ChannelName: "practice", TriggerID: trigger, ResponseURL: responseURL}
		return func() *slackfake.Envelope { return d.fake.SendSlashCommand(c) }
	}
	switch req.action {
	case "log":
		return cmd("/log", d.logLineLocked())
	case "timer":
		if d.timing[p.SlackID] {
			d.timing[p.SlackID] = false
			return cmd("/timer", "stop")
		}
		d.timing[p.SlackID] = true
		i := d.rng.IntN(len(d.prac.Clients))
		return cmd("/timer", "start "+d.prac.Clients[i]+" "+serviceCodes[d.rng.IntN(len(serviceCodes))])
	case "timesheet":
		if d.rng.IntN(4) == 0 {
			return cmd("/timesheet", "month")
		}
		return cmd("/timesheet", "")
	case "tasks":
		return cmd("/tasks", "")
	case "board":
		return cmd("/board", "")
	case "wip":
		return cmd("/wip", "")
	case "inbox":
		return cmd("/inbox", "")
	case "open":
		ids := d.tasks[p.SlackID]
		id := ids[d.rng.IntN(len(ids))]
		return d.clickLocked(p, req, "task.actions", "task.open", fmt.Sprint(id))
	case "tick":
		return d.tickLocked(p, req)
	case "approve":
		ids := d.invoices[p.SlackID]
		id := ids[0]
		d.invoices[p.SlackID] = ids[1:]
		return d.clickLocked(p, req, "invoice.card", "invoice.approve", fmt.Sprint(id))
	}
	panic("loadtest: unknown action " + req.action)
}

// logLineLocked is a /log line as people type them: a duration in one of
// the usual forms, a client by code or by several words of its name, a
// service, sometimes a date, and a note.
func (d *Driver) logLineLocked() string {
	durations := []string{"1h", "30m", "1h30", "45m", "2h", "1.5h", "15m", "2h15m"}
	i := d.rng.IntN(len(d.prac.Clients))
	client := d.prac.Clients[i]
	if d.rng.IntN(3) == 0 {
		client = strings.ToLower(strings.TrimSuffix(d.prac.Names[i], " Ltd"))
	}
	when := ""
	if d.rng.IntN(4) == 0 {
		when = " yesterday"
	}
	return durations[d.rng.IntN(len(durations))] + " " + client + " " + strings.ToLower(serviceCodes[d.rng.IntN(len(serviceCodes))]) + when + " bank rec and queries"
}

// clickLocked is a button pressed on a message in the practice's channel.
func (d *Driver) clickLocked(p Person, req *request, blockID, actionID, value string) func() *slackfake.Envelope {
	trigger, responseURL := d.fileLocked(req, true)
	req.msgTS = fmt.Sprintf("1800000000.%06d", d.seq)
	d.byTS[req.msgTS] = req
	channel := d.prac.Channel
	if actionID == "invoice.approve" {
		channel = d.prac.BillingChannel
	}
	payload := map[string]any{
		"type": "block_actions", "user": map[string]any{"id": p.SlackID},
		"trigger_id": trigger, "response_url": responseURL,
		"channel":   map[string]any{"id": channel},
		"message":   map[string]any{"ts": req.msgTS, "text": "…"},
		"container": map[string]any{"type": "message", "message_ts": req.msgTS, "channel_id": channel},
		"actions":   []any{map[string]any{"type": "button", "action_id": actionID, "block_id": blockID, "value": value, "action_ts": req.msgTS}},
	}
	return func() *slackfake.Envelope { return d.fake.SendInteraction(payload) }
}

// tickLocked ticks the next open item of the task window the person has
// open, sending the window's state as Slack does.
func (d *Driver) tickLocked(p Person, req *request) func() *slackfake.Envelope {
	var view map[string]any
	_ = json.Unmarshal(d.views[p.SlackID], &view)
	values := map[string]any{}
	var action map[string]any
	blocks, _ := view["blocks"].([]any)
	for _, b := range blocks {
		bm, _ := b.(map[string]any)
		id, _ := bm["block_id"].(string)
		if !strings.HasPrefix(id, "task.items") {
			continue
		}
		el, _ := bm["element"].(map[string]any)
		opts, _ := el["options"].([]any)
		initial, _ := el["initial_options"].([]any)
		done := map[string]bool{}
		for _, o := range initial {
			done[o.(map[string]any)["value"].(string)] = true
		}
		selected := append([]any(nil), initial...)
		if action == nil {
			for _, o := range opts {
				if !done[o.(map[string]any)["value"].(string)] {
					selected = append(selected, o)
					action = map[string]any{"type": "checkboxes", "action_id": "task.tick", "block_id": id,
						"selected_options": selected, "action_ts": fmt.Sprint(time.Now().UnixNano())}
					break
				}
			}
		}
		values[id] = map[string]any{"task.tick": map[string]any{"type": "checkboxes", "selected_options": selected}}
	}
	view["state"] = map[string]any{"values": values}
	trigger, _ := d.fileLocked(req, false)
	payload := map[string]any{
		"type": "block_actions", "user": map[string]any{"id": p.SlackID}, "trigger_id": trigger,
		"view": view, "container": map[string]any{"type": "view", "view_id": view["id"]},
		"actions": []any{action},
	}
	return func() *slackfake.Envelope { return d.fake.SendInteraction(payload) }
}

// allTicked reports whether a task window has no checklist item left to
// tick.
func allTicked(view json.RawMessage) bool {
	var v struct {
		Blocks []struct {
			BlockID string `json:"block_id"`
			Element struct {
				Options        []any `json:"options"`
				InitialOptions []any `json:"initial_options"`
			} `json:"element"`
		} `json:"blocks"`
	}
	if json.Unmarshal(view, &v) != nil {
		return true
	}
	for _, b := range v.Blocks {
		if strings.HasPrefix(b.BlockID, "task.items") && len(b.Element.InitialOptions) < len(b.Element.Options) {
			return false
		}
	}
	return true
}
