package bot_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/bot/digest"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

const digestCh = "CDIGEST"

// runDigests runs the digest job as the reconciler would at a moment, then
// lets the outbox deliver what it queued.
func (w *timeWorld) runDigests(at time.Time) {
	w.t.Helper()
	if err := pgx.BeginFunc(w.ctx, w.pool, func(tx pgx.Tx) error {
		return digest.Job{Log: w.router.Log}.Run(w.ctx, tx, w.pid, at)
	}); err != nil {
		w.t.Fatal(err)
	}
	w.deliver()
}

// dmsTo are the texts of the messages posted to user's DM.
func (w *timeWorld) dmsTo(user string) []string {
	var out []string
	for _, c := range w.fake.Calls("chat.postMessage") {
		if c.Param("channel") == slackfake.DMChannelID(user) || c.Param("channel") == user {
			out = append(out, c.Param("blocks"))
		}
	}
	return out
}

// The morning digest over the Slack stand-in: the practice's message in its
// channel with its sections and buttons, its thread, a person's DM; and
// `/atlas digest off` stops the next DM.
func TestDigestJourney(t *testing.T) {
	t.Parallel()
	w := newApprovalWorld(t)
	for _, sql := range []string{
		`UPDATE practices SET digest_channel = '` + digestCh + `', digest_time = '08:00' WHERE id = $1`,
		`UPDATE members SET weekly_capacity_minutes = 2250 WHERE practice_id = $1`,
	} {
		if _, err := w.pool.Exec(w.ctx, sql, w.pid); err != nil {
			t.Fatal(err)
		}
	}
	w.say(managerID, "/invoices", "run") // November's invoices, awaiting approval
	w.deliver()

	w.runDigests(london(t, "2026-12-03 08:00"))
	var main slackfake.Call
	var thread []string
	for _, c := range w.fake.Calls("chat.postMessage") {
		if c.Param("channel") == digestCh && c.Param("thread_ts") == "" {
			main = c
		}
	}
	if main.Seq == 0 {
		t.Fatal("no digest in its channel")
	}
	mustContain(t, "digest", main.Param("blocks"), "Morning digest · Thursday 3 December", "awaiting approval*", `"action_id":"`+ui.ActionInvoicesReview+`"`,
		"unbilled*", "No time logged on Wednesday 2 December:", "The full lists are in the thread")
	var posted struct{ TS string }
	if err := json.Unmarshal(main.Response, &posted); err != nil || posted.TS == "" {
		t.Fatalf("the digest's ts: %s (%v)", main.Response, err)
	}
	ts := posted.TS
	for _, c := range w.fake.Calls("chat.postMessage") {
		if c.Param("channel") == digestCh && c.Param("thread_ts") == ts {
			thread = append(thread, c.Param("blocks"))
		}
	}
	if len(thread) == 0 {
		t.Fatal("no thread under the digest")
	}
	mustContain(t, "thread", strings.Join(thread, "\n"), "*Awaiting approval*", `"action_id":"`+ui.ActionInvoiceOpen+`"`, "NWT · Northwind Traders")

	mustContain(t, "staff DM", strings.Join(w.dmsTo(staffID), "\n"), "Good morning · Thursday 3 December", "you logged", "`/atlas digest off`")
	mustContain(t, "partner DM", strings.Join(w.dmsTo(patID), "\n"), "waiting for your approval")

	// The Review button lists what awaits approval.
	w.mark()
	w.click(patID, ui.ActionInvoicesReview, "")
	mustContain(t, "review", w.said(), "NWT")

	// Woken again the same morning, nothing more goes.
	before := len(w.fake.Calls("chat.postMessage"))
	w.runDigests(london(t, "2026-12-03 09:30"))
	if after := len(w.fake.Calls("chat.postMessage")); after != before {
		t.Fatalf("%d more posts on a second wake", after-before)
	}

	mustContain(t, "off", w.ask(staffID, "/atlas", "digest off"), "Your morning DM is off")
	mustContain(t, "bad", w.ask(staffID, "/atlas", "digest maybe"), "/atlas digest off")
	staffBefore, mgrBefore := len(w.dmsTo(staffID)), len(w.dmsTo(managerID))
	w.runDigests(london(t, "2026-12-04 08:00"))
	if n := len(w.dmsTo(staffID)); n != staffBefore {
		t.Fatalf("staff got %d DMs after turning them off", n-staffBefore)
	}
	if n := len(w.dmsTo(managerID)); n != mgrBefore+1 {
		t.Fatalf("the manager got %d DMs on Friday, want 1", n-mgrBefore)
	}
	mustContain(t, "on", w.ask(staffID, "/atlas", "digest on"), "Your morning DM is on")
}

func london(t *testing.T, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	at, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return at
}
