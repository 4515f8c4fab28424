package bot_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/bot/timetrack"
	"github.com/atlas-practice/atlas/internal/practice"
)

// readingWorld is timeWorld with the clients and services a /log line can
// confuse: "Acme Ltd" beside "Acme Trading Ltd", Bookkeeping, and two
// services a misspelt code is close to.
type readingWorld struct {
	*timeWorld
	acmeLtd, bk, taxReturn, taxReview int64
}

func newReadingWorld(t *testing.T, mode string) *readingWorld {
	t.Helper()
	w := &readingWorld{timeWorld: newTimeWorld(t, mode)}
	e, err := w.store.SaveEntity(w.ctx, w.pid, 0, 0, practice.EntityInput{Code: "ACMELTD", Name: "Acme Ltd"})
	if err != nil {
		t.Fatal(err)
	}
	w.acmeLtd = e.ID
	for _, sv := range []struct {
		code, name string
		id         *int64
	}{{"BK", "Bookkeeping", &w.bk}, {"TAXR", "Tax return", &w.taxReturn}, {"TAXV", "Tax review", &w.taxReview}} {
		s, err := w.store.SaveService(w.ctx, w.pid, 0, sv.code, sv.name, false)
		if err != nil {
			t.Fatal(err)
		}
		*sv.id = s.ID
	}
	return w
}

// button is a button of a Slack message.
type button struct{ action, value, label string }

// buttons lists the buttons of a message whose action ids start with prefix.
func buttons(t *testing.T, raw []byte, prefix string) []button {
	t.Helper()
	var m struct {
		Blocks []struct {
			Elements []struct {
				ActionID string          `json:"action_id"`
				Value    string          `json:"value"`
				Text     json.RawMessage `json:"text"` // a context's is a string
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("not a message: %s", raw)
	}
	var out []button
	for _, b := range m.Blocks {
		for _, e := range b.Elements {
			var label struct{ Text string }
			if strings.HasPrefix(e.ActionID, prefix) && json.Unmarshal(e.Text, &label) == nil {
				out = append(out, button{e.ActionID, e.Value, label.Text})
			}
		}
	}
	return out
}

// press clicks the button labelled label among bs and returns what was said.
func (w *readingWorld) press(bs []button, label string) string {
	w.t.Helper()
	for _, b := range bs {
		if b.label == label {
			// Each question is a message of its own, with its own ts.
			ts := fmt.Sprintf("1700000001.%06d", w.seq.Add(1))
			w.mark()
			w.interact(map[string]any{
				"type": "block_actions", "user": map[string]any{"id": staffID}, "channel": map[string]any{"id": "C0GENERAL"}, "trigger_id": w.trigger(),
				"message":   map[string]any{"ts": ts, "text": "…"},
				"container": map[string]any{"type": "message", "message_ts": ts, "channel_id": "C0GENERAL"},
				"actions": []any{map[string]any{"action_id": b.action, "block_id": "b", "type": "button", "value": b.value,
					"action_ts": fmt.Sprint(w.seq.Add(1))}},
			})
			return w.said()
		}
	}
	w.t.Fatalf("no button %q among %+v", label, bs)
	return ""
}

// last is the staff member's latest entry, checked against what it must be.
func (w *readingWorld) last(what string, entity int64, service int64, minutes int, date, desc string) {
	w.t.Helper()
	got := w.entries(w.staff)
	if len(got) == 0 {
		w.t.Fatalf("%s: nothing saved", what)
	}
	e := got[len(got)-1]
	if e.entity != entity || e.service == nil || *e.service != service || e.minutes != minutes || e.date != date || e.description != desc {
		svc := int64(0)
		if e.service != nil {
			svc = *e.service
		}
		w.t.Fatalf("%s: saved client %d, service %d, %dm on %s, %q; want client %d, service %d, %dm on %s, %q",
			what, e.entity, svc, e.minutes, e.date, e.description, entity, service, minutes, date, desc)
	}
}

func (w *readingWorld) count() int { return len(w.entries(w.staff)) }

// A client of several words typed without quotes is read as the longest run
// of words naming one, with the service and the date found after it; picked
// from the ambiguity buttons, the line keeps its service and date.
func TestLogReadsSeveralWordClients(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		w := newReadingWorld(t, mode)
		mustContain(t, "acme ltd", w.say(staffID, "/log", "2h acme ltd payroll yesterday wages"), "Logged", "ACMELTD · Acme Ltd", "Payroll", "Tue 17 Nov", "2h")
		w.last("acme ltd", w.acmeLtd, w.payroll, 120, "2026-11-17", "wages")
		mustContain(t, "acme trading", w.say(staffID, "/log", "2h acme trading payroll yesterday wages"), "Logged", "ACME · Acme Trading Ltd", "Payroll", "Tue 17 Nov")
		w.last("acme trading", w.acme, w.payroll, 120, "2026-11-17", "wages")
		w.say(staffID, "/log", "1h30 acme ltd. bk 3 Nov posted sales")
		w.last("a full stop after the name", w.acmeLtd, w.bk, 90, "2026-11-03", "posted sales")

		w.say(staffID, "/log", "2h northwind holding bk yesterday year-end queries")
		w.last("part of a name", w.nwh, w.bk, 120, "2026-11-17", "year-end queries")
		raw := w.slash(staffID, "/log", "2h northwind bk yesterday year-end queries")
		mustContain(t, "northwind asks", ackText(t, raw), "matches 2 clients")
		if w.count() != 4 {
			t.Fatalf("an ambiguous line saved something: %d entries", w.count())
		}
		mustContain(t, "picked", w.press(buttons(t, raw, "pick.client."), "NWT · Northwind Traders"), "Logged", "Northwind Traders", "Bookkeeping", "Tue 17 Nov")
		w.last("picked", w.nwt, w.bk, 120, "2026-11-17", "year-end queries")
	})
}

// Time a line names no service for goes to the practice's default service,
// and the answer says so; with no default, the person is asked, with a
// button per service, and nothing is saved until they pick.
func TestLogWithoutService(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		w := newReadingWorld(t, mode)
		mustContain(t, "default", w.say(staffID, "/log", "1h30 acme bank rec"), "Logged", "Payroll", "the practice's default service")
		w.last("default", w.acme, w.payroll, 90, "2026-11-18", "bank rec")

		if _, err := w.store.SetDefaultService(w.ctx, w.pid, 0, nil); err != nil {
			t.Fatal(err)
		}
		raw := w.slash(staffID, "/log", "1h30 acme trading bank rec monday")
		mustContain(t, "asks", ackText(t, raw), "Which service was this for?", "Nothing is saved until you pick")
		bs := buttons(t, raw, timetrack.ActionPickService)
		if len(bs) != 4 || w.count() != 1 {
			t.Fatalf("want a button per service and nothing saved: %+v, %d entries", bs, w.count())
		}
		mustContain(t, "picked", w.press(bs, "Bookkeeping"), "Logged", "Bookkeeping", "Mon 16 Nov", "bank rec")
		w.last("picked", w.acme, w.bk, 90, "2026-11-16", "bank rec")
	})
}

// A misspelt service close to one service is taken and the answer says so;
// close to two, or two services named, the person picks.
func TestLogMisspeltService(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		w := newReadingWorld(t, mode)
		mustContain(t, "payrol", w.say(staffID, "/log", "1h acme payrol run"), "Logged", "“payrol” read as the service *Payroll*")
		w.last("payrol", w.acme, w.payroll, 60, "2026-11-18", "run")

		raw := w.slash(staffID, "/log", "45m acme ltd taxe yesterday draft")
		mustContain(t, "taxe", ackText(t, raw), "Which service did you mean by “taxe”?")
		bs := buttons(t, raw, timetrack.ActionPickService)
		if len(bs) != 2 || w.count() != 1 {
			t.Fatalf("want Tax return and Tax review, nothing saved: %+v, %d entries", bs, w.count())
		}
		mustContain(t, "taxe picked", w.press(bs, "Tax review"), "Logged", "Tax review", "Tue 17 Nov")
		w.last("taxe picked", w.acmeLtd, w.taxReview, 45, "2026-11-17", "draft")

		raw = w.slash(staffID, "/log", "1h acme payroll bk friday")
		mustContain(t, "two services", ackText(t, raw), "names more than one service")
		if w.count() != 2 {
			t.Fatalf("a line naming two services saved something: %d entries", w.count())
		}
		mustContain(t, "two picked", w.press(buttons(t, raw, timetrack.ActionPickService), "Bookkeeping"), "Logged", "Bookkeeping", "Fri 13 Nov")
		w.last("two picked", w.acme, w.bk, 60, "2026-11-13", "")
	})
}
