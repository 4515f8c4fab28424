package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/bot/billing"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

const (
	patID   = "UPART01"
	quinnID = "UPART02"
	billCh  = "CBILLING"
)

// approvalWorld is the billing world with two partners, Mina managing every
// client, a #billing channel, and two more retainer clients (RET1, RET2)
// whose October invoices are approved, so November's can be unchanged.
func newApprovalWorld(t *testing.T) *timeWorld {
	t.Helper()
	w := newBillingWorld(t, "socket")
	for _, p := range []struct{ id, handle, name string }{{patID, "pat", "Pat Partner"}, {quinnID, "quinn", "Quinn Partner"}} {
		w.fake.AddUser(p.id, p.handle, p.name, p.handle+"@example.com")
		if _, err := w.store.AddMember(w.ctx, w.pid, 0, practice.NewMember{SlackUserID: atlas.SlackUserID(p.id), Name: p.name, Role: atlas.RolePartner}); err != nil {
			t.Fatal(err)
		}
	}
	for _, sql := range []string{
		`UPDATE practices SET billing_channel = '` + billCh + `' WHERE id = $1`,
		`INSERT INTO entities (practice_id, code, name, billing_type, invoice_timing, invoice_day, billing_email, bill_from)
			VALUES ($1, 'RET1', 'Retainer One Ltd', 'fixed', 'arrears', 1, 'a@ret1.example', '2026-10-01'),
			       ($1, 'RET2', 'Retainer Two Ltd', 'fixed', 'arrears', 1, 'a@ret2.example', '2026-10-01')`,
		`INSERT INTO entity_fees (practice_id, entity_id, monthly_fee, effective_from)
			SELECT practice_id, id, 300, '2026-01-01' FROM entities WHERE practice_id = $1 AND code IN ('RET1', 'RET2')`,
		`INSERT INTO entity_services (practice_id, entity_id, service_id)
			SELECT e.practice_id, e.id, s.id FROM entities e JOIN services s ON s.practice_id = e.practice_id AND s.code = 'PAYROLL'
			WHERE e.practice_id = $1 AND e.code = 'ACME'`, // ACME's retainer covers its payroll
		`UPDATE entities SET manager_id = (SELECT id FROM members WHERE practice_id = $1 AND slack_user_id = '` + managerID + `')
			WHERE practice_id = $1`,
	} {
		if _, err := w.pool.Exec(w.ctx, sql, w.pid); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	// October's run, on 3 November.
	now := w.clock.Now()
	w.clock.Set(time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC))
	mustContain(t, "october", w.say(managerID, "/invoices", "run 2026-10"), "2 retainer invoices made", "0 hourly invoices made")
	for _, code := range []string{"RET1", "RET2"} {
		w.click(patID, billing.ActionApprove, fmt.Sprint(w.invoiceOf(code, "recurring")))
	}
	w.clock.Set(now)
	// RET2's fee rises for November: its invoice is no longer last month's.
	if _, err := w.pool.Exec(w.ctx, `INSERT INTO entity_fees (practice_id, entity_id, monthly_fee, effective_from)
		SELECT practice_id, id, 350, '2026-11-01' FROM entities WHERE practice_id = $1 AND code = 'RET2'`, w.pid); err != nil {
		t.Fatal(err)
	}
	w.say(staffID, "/log", "3h acme payroll 5 Nov november wages") // within ACME's retainer
	w.deliver()
	return w
}

// cardOf is the latest text of the card of invoice id in the billing
// channel: the posted message, or its last update.
func (w *timeWorld) cardOf(id int64) (text string, updates int) {
	w.t.Helper()
	return w.postOf("invoice", id, "card")
}

// summaryOf is the billing summary of a month (202611) as last drawn.
func (w *timeWorld) summaryOf(month int64) string {
	w.t.Helper()
	text, _ := w.postOf("billing_run", month, "summary")
	return text
}

// postOf is a post in the billing channel as last drawn, and how many
// times it was updated.
func (w *timeWorld) postOf(subjectType string, id int64, purpose string) (text string, updates int) {
	w.t.Helper()
	var ts string
	if err := w.pool.QueryRow(w.ctx, `SELECT ts FROM slack_posts WHERE practice_id = $1 AND subject_type = $2 AND subject_id = $3
		AND purpose = $4 AND channel = $5`, w.pid, subjectType, id, purpose, billCh).Scan(&ts); err != nil {
		w.t.Fatalf("no %s for %s %d in %s: %v", purpose, subjectType, id, billCh, err)
	}
	for _, c := range w.fake.Calls("chat.postMessage") {
		if c.Param("channel") == billCh && strings.Contains(string(c.Response), `"ts":"`+ts+`"`) {
			text = c.Param("blocks")
		}
	}
	for _, c := range w.fake.Calls("chat.update") {
		if c.Param("channel") == billCh && c.Param("ts") == ts {
			text, updates = c.Param("blocks"), updates+1
		}
	}
	// Slack's JSON escapes < and >, as in a mention.
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(text), updates
}

// clickCard presses a button on a card in the billing channel.
func (w *timeWorld) clickCard(user, actionID, value string) {
	w.t.Helper()
	action := map[string]any{"action_id": actionID, "block_id": "b", "type": "button", "value": value, "action_ts": fmt.Sprint(w.seq.Add(1))}
	w.interact(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user}, "channel": map[string]any{"id": billCh}, "trigger_id": w.trigger(),
		"message":   map[string]any{"ts": "1700000000.000100", "text": "…"},
		"container": map[string]any{"type": "message", "message_ts": "1700000000.000100", "channel_id": billCh},
		"actions":   []any{action},
	})
}

func TestApprovalJourney(t *testing.T) {
	t.Parallel()
	w := newApprovalWorld(t)

	// November's run: the summary in the channel, the cards in its thread
	// for what needs a look (the hourly invoices, ACME's first retainer,
	// RET2's new fee), none for RET1, the same as October.
	w.mark()
	mustContain(t, "run", w.say(managerID, "/invoices", "run"), "Billing run for November 2026")
	w.deliver()
	nwt, nwh, acme := w.invoiceOf("NWT", "hourly"), w.invoiceOf("NWH", "hourly"), w.invoiceOf("ACME", "recurring")
	ret1, ret2 := w.invoiceOf("RET1", "recurring"), w.invoiceOf("RET2", "recurring")
	var summary slackfake.Call
	var threaded []string
	for _, c := range w.fake.Calls("chat.postMessage") {
		if c.Param("channel") != billCh {
			continue
		}
		if strings.Contains(c.Param("text"), "November 2026") && c.Param("thread_ts") == "" {
			summary = c
		}
	}
	if summary.Seq == 0 {
		t.Fatal("no summary of November's run in the billing channel")
	}
	mustContain(t, "summary", summary.Param("blocks"), billing.ActionSummaryReview, billing.ActionApproveUnchanged, "Approve 1 unchanged retainer",
		"1 retainer invoice the same as last month")
	var summaryTS string
	if err := w.pool.QueryRow(w.ctx, `SELECT ts FROM slack_posts WHERE practice_id = $1 AND channel = $2 AND purpose = 'summary'
		ORDER BY id DESC LIMIT 1`, w.pid, billCh).Scan(&summaryTS); err != nil {
		t.Fatal(err)
	}
	for _, c := range w.fake.Calls("chat.postMessage") {
		if c.Param("channel") == billCh && c.Param("thread_ts") == summaryTS {
			threaded = append(threaded, c.Param("blocks"))
		}
	}
	if len(threaded) != 4 {
		t.Fatalf("%d cards in the summary's thread, want 4 (NWT, NWH, ACME, RET2): %s", len(threaded), threaded)
	}
	card, _ := w.cardOf(nwt)
	mustContain(t, "NWT card", card, "NWT · Northwind Traders", "November 2026", "*Total £480.00*", "Bills £400.00 of £400.00 of time",
		billing.ActionApprove, billing.ActionCardEdit, billing.ActionReject, "Approve this invoice?", "£480.00")
	if !strings.Contains(strings.Join(threaded, "\n"), "RET2") || strings.Contains(strings.Join(threaded, "\n"), "RET1 ·") {
		t.Fatal("RET2's changed retainer should have a card and RET1's unchanged one none")
	}

	// Pat edits a line from the card and approves: the number is the
	// series' next, after October's two.
	w.mark()
	w.click(patID, billing.ActionCardEdit, fmt.Sprint(nwt))
	mustContain(t, "edit", w.said(), billing.ActionEditLine, billing.ActionEditTotal)
	w.click(patID, billing.ActionEditTotal, fmt.Sprint(nwt))
	_, meta := w.openedView(billing.CallbackTotal)
	w.mark()
	w.interact(submission(patID, billing.CallbackTotal, meta, map[string]any{"new_total": textVal("360"), "reason": textVal("agreed cap")}))
	mustContain(t, "edited", w.said(), "*Total £432.00*")
	w.mark()
	w.click(patID, billing.ActionApprove, fmt.Sprint(nwt))
	mustContain(t, "approved", w.said(), "Approved *INV-2026-0003*", "£432.00")
	w.deliver()
	card, updates := w.cardOf(nwt)
	mustContain(t, "card after approval", card, "Approved by <@"+patID+"> — *INV-2026-0003*")
	if updates == 0 || strings.Contains(card, billing.ActionApprove) || strings.Contains(card, billing.ActionReject) {
		t.Fatalf("the card kept its buttons after approval (%d updates): %s", updates, card)
	}

	// Quinn's click on the same card, a moment later.
	w.mark()
	w.click(quinnID, billing.ActionApprove, fmt.Sprint(nwt))
	mustContain(t, "second partner", w.said(), "already approved, by Pat Partner")

	// A manager and a staff member cannot approve.
	for _, who := range []string{managerID, staffID} {
		w.mark()
		w.click(who, billing.ActionApprove, fmt.Sprint(nwh))
		mustContain(t, "refused "+who, w.said(), "Only partners and admins approve")
	}

	// Quinn sends NWH back with a note: Mina, its preparer, has it by DM.
	w.click(quinnID, billing.ActionReject, fmt.Sprint(nwh))
	_, meta = w.openedView(billing.CallbackReject)
	w.interact(submission(quinnID, billing.CallbackReject, meta, map[string]any{"reason": textVal("Add the call notes")}))
	w.deliver()
	var dm string
	for _, c := range w.fake.Calls("chat.postMessage") {
		if c.Param("channel") == slackfake.DMChannelID(managerID) {
			dm = c.Param("text") + c.Param("blocks")
		}
	}
	mustContain(t, "returned DM", dm, "Add the call notes", "NWH")
	card, _ = w.cardOf(nwh)
	mustContain(t, "returned card", card, "Returned to its preparer: Add the call notes")

	// Approve unchanged retainers: RET1 alone, the next number.
	w.mark()
	w.click(patID, billing.ActionApproveUnchanged, "2026-11")
	mustContain(t, "bulk", w.said(), "Approved 1 unchanged retainer, £360.00 in all: INV-2026-0004 to INV-2026-0004")
	var status string
	for id, want := range map[int64]string{ret1: "approved", ret2: "awaiting_approval", acme: "awaiting_approval"} {
		if err := w.pool.QueryRow(w.ctx, `SELECT status FROM invoices WHERE id = $1`, id).Scan(&status); err != nil || status != want {
			t.Fatalf("invoice %d is %s (%v), want %s", id, status, err, want)
		}
	}

	// ACME's retainer, approved, absorbs its November time: none of it is
	// WIP any more, and recorded = WIP + billed + written off.
	w.mark()
	w.click(patID, billing.ActionApprove, fmt.Sprint(acme))
	mustContain(t, "ACME approved", w.said(), "Approved *INV-2026-0005*", "£540.00")
	var wip, billed, off, recorded int
	if err := w.pool.QueryRow(w.ctx, `SELECT
			count(*) FILTER (WHERE billing_state = 'unbilled'), count(*) FILTER (WHERE billing_state = 'billed'),
			count(*) FILTER (WHERE billing_state = 'written_off'), count(*)
		FROM time_entries WHERE practice_id = $1 AND entity_id = $2 AND work_date BETWEEN '2026-11-01' AND '2026-11-30'`, w.pid, w.acme).
		Scan(&wip, &billed, &off, &recorded); err != nil {
		t.Fatal(err)
	}
	if wip != 0 || billed == 0 || recorded != wip+billed+off {
		t.Fatalf("ACME's November time after its retainer: %d WIP, %d billed, %d written off of %d", wip, billed, off, recorded)
	}

	// Void: NWT's invoice keeps its number, its time goes back to WIP.
	w.click(patID, billing.ActionVoid, fmt.Sprint(nwt))
	_, meta = w.openedView(billing.CallbackVoid)
	w.interact(submission(patID, billing.CallbackVoid, meta, map[string]any{"reason": textVal("Wrong client")}))
	w.deliver()
	var number string
	if err := w.pool.QueryRow(w.ctx, `SELECT status, number FROM invoices WHERE id = $1`, nwt).Scan(&status, &number); err != nil ||
		status != "void" || number != "INV-2026-0003" {
		t.Fatalf("voided: %s %s (%v)", status, number, err)
	}
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM time_entries WHERE practice_id = $1 AND entity_id = $2 AND billing_state <> 'unbilled'`,
		w.pid, w.nwt).Scan(&billed); err != nil || billed != 0 {
		t.Fatalf("%d of NWT's entries still billed after the void (%v)", billed, err)
	}
	card, _ = w.cardOf(nwt)
	mustContain(t, "void card", card, "*INV-2026-0003* void: Wrong client")
}
