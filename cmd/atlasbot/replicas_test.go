package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/internal/loadtest"
	"github.com/atlas-practice/atlas/internal/slackfake"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// periodicJobs are the periodic jobs a replica without a portal runs.
var periodicJobs = []string{"monthly_tasks", "overdue_tasks", "forgotten_timers", "billing_run", "overdue_reminders", "digests"}

// Three processes looking for due work every second run each periodic
// job's slot once, and a process killed in the middle of a job loses
// nothing: its claim goes with its transaction and another replica runs
// the slot, once.
func TestPeriodicJobsRunOnceAcrossReplicas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCluster(t, clusterOptions{size: loadtest.Size{Clients: 40, People: 16, Days: 10, Fresh: true}, jobsDue: true, digests: true})

	began := time.Now()
	// Hold the month's packs back: the replica that claims the monthly
	// job's slot stops at its first insert, mid-job, with the claim open.
	hold, err := c.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback(ctx)
	if _, err := hold.Exec(ctx, `LOCK TABLE tasks IN SHARE MODE`); err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 3; n++ {
		c.start(n)
	}
	var stuck string
	c.eventually(30*time.Second, func() string {
		rows, err := c.pool.Query(ctx, `SELECT application_name FROM pg_stat_activity
			WHERE datname = current_database() AND application_name LIKE 'atlas-replica-%'
			  AND wait_event_type = 'Lock' AND query ILIKE '%INSERT INTO tasks%'`)
		if err != nil {
			return err.Error()
		}
		defer rows.Close()
		var names []string
		for rows.Next() {
			var n string
			_ = rows.Scan(&n)
			names = append(names, n)
		}
		if len(names) != 1 {
			return fmt.Sprintf("want one replica waiting mid-job on the month's packs, have %q", names)
		}
		stuck = names[0]
		return ""
	})
	var victim int
	if _, err := fmt.Sscanf(stuck, "atlas-replica-%d", &victim); err != nil {
		t.Fatal(err)
	}
	c.kill(victim)
	if err := hold.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	// Everything due runs, by the two left, and the posts it queued go.
	c.eventually(90*time.Second, func() string {
		if n := c.count(`SELECT count(DISTINCT job) FROM job_slots WHERE practice_id = $1`, c.practice.ID); n < len(periodicJobs) {
			return fmt.Sprintf("%d of %d periodic jobs have run", n, len(periodicJobs))
		}
		if n := c.count(`SELECT count(*) FROM river_job WHERE kind IN ('slack_post', 'slack_update')
			AND state NOT IN ('completed', 'discarded', 'cancelled')`); n > 0 {
			return fmt.Sprintf("%d posts still to go", n)
		}
		return ""
	})

	// The daily and monthly jobs had one slot due (the latest of those
	// missed); the ones every few minutes may have reached another while
	// the test ran, and a slot is its own key, so the side effects below
	// are where running twice would show.
	// A test that ran over midnight in the practice's zone may see a
	// daily job's next slot too.
	london, _ := time.LoadLocation("Europe/London")
	overMidnight := began.In(london).Day() != time.Now().In(london).Day()
	for _, job := range periodicJobs {
		n := c.count(`SELECT count(*) FROM job_slots WHERE practice_id = $1 AND job = $2`, c.practice.ID, job)
		frequent := job == "digests" || job == "forgotten_timers" || job == "overdue_tasks" || overMidnight
		if n == 0 || (n > 1 && !frequent) {
			t.Errorf("%s: %d slots claimed, want the latest one only", job, n)
		}
	}
	// The month's packs are all there: a run of its own now makes none.
	packs := c.count(`SELECT count(*) FROM tasks WHERE practice_id = $1`, c.practice.ID)
	again, err := (workflow.Store{DB: c.pool}).Generate(ctx, c.practice.ID, c.practice.Month, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if packs == 0 || again.Tasks != 0 {
		t.Errorf("monthly packs: %d made by the replicas, %d more by a second run; want some and none", packs, again.Tasks)
	}
	// Last month's billing run: every invoice and its card once.
	invoices := c.count(`SELECT count(*) FROM invoices WHERE practice_id = $1`, c.practice.ID)
	if invoices == 0 {
		t.Errorf("the billing run made no invoices")
	}
	// Each message the stand-in was sent, once: no channel got two posts
	// about one subject, the digest went to the channel once and to each
	// person once.
	posted := map[string]int{}
	for _, call := range c.fake.Calls("chat.postMessage") {
		if call.Error == "" {
			posted[call.Param("channel")]++
		}
	}
	recorded := map[string]int{}
	rows, err := c.pool.Query(ctx, `SELECT channel, count(*) FROM slack_posts WHERE practice_id = $1 AND ts NOT LIKE 'file:%' GROUP BY channel`, c.practice.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var ch string
		var n int
		if err := rows.Scan(&ch, &n); err != nil {
			t.Fatal(err)
		}
		recorded[ch] = n
	}
	if len(posted) == 0 {
		t.Fatalf("nothing was posted")
	}
	dms := 0
	for ch, n := range posted {
		if strings.HasPrefix(ch, "D") {
			dms++
			if n != 1 {
				t.Errorf("%s got %d direct messages, want one digest", ch, n)
			}
		}
		if n > recorded[ch] {
			t.Errorf("%s: %d messages posted for %d subjects", ch, n, recorded[ch])
		}
	}
	if dms != len(c.practice.People) {
		t.Errorf("%d people got a digest, want all %d", dms, len(c.practice.People))
	}
	if posted["CDIGEST"] == 0 || posted[clusterBillingChannel] == 0 {
		t.Errorf("posts: %v; want the practice digest and the billing run's cards", posted)
	}
}

// People working at once through three processes never trip over each
// other: timers started through one replica and stopped through another
// save one entry each, a timer started twice at once leaves one running,
// and two partners approving one invoice at the same moment approve it
// once, under one number.
func TestWorkAcrossReplicasNeverConflicts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCluster(t, clusterOptions{size: loadtest.Size{Clients: 30, People: 16, Days: 5}})
	for n := 1; n <= 3; n++ {
		c.start(n)
	}
	staff := c.practice.People // everyone keeps time
	var partners []string
	for _, p := range c.practice.People {
		if p.Role == "partner" {
			partners = append(partners, p.SlackID)
		}
	}
	entries := func(p loadtest.Person) int {
		return c.count(`SELECT count(*) FROM time_entries WHERE practice_id = $1 AND member_id = $2`, c.practice.ID, p.Member)
	}

	// Each person starts a timer and stops it; the stand-in hands
	// consecutive envelopes to different connections.
	before := map[int]int{}
	for i, p := range staff {
		before[i] = entries(p)
	}
	var wg sync.WaitGroup
	for i, p := range staff {
		wg.Go(func() {
			client := c.practice.Names[i]
			if got := c.tryCommand(p.SlackID, "/timer", "start "+client+" payroll month-end wages"); !strings.Contains(got, "Timer started") {
				t.Errorf("%s: timer start answered %s", p.SlackID, got)
			}
			// Half an hour's work, without the wait.
			if _, err := c.pool.Exec(ctx, `UPDATE timers SET started_at = started_at - interval '30 minutes'
				WHERE practice_id = $1 AND member_id = $2`, c.practice.ID, p.Member); err != nil {
				t.Error(err)
			}
			if got := c.tryCommand(p.SlackID, "/timer", "stop"); !strings.Contains(got, "saved") {
				t.Errorf("%s: timer stop answered %s", p.SlackID, got)
			}
		})
	}
	wg.Wait()
	for i, p := range staff {
		if n := entries(p) - before[i]; n != 1 {
			t.Errorf("%s: %d entries from one timer", p.SlackID, n)
		}
	}
	if n := c.count(`SELECT count(*) FROM timers WHERE practice_id = $1`, c.practice.ID); n != 0 {
		t.Errorf("%d timers still running after every one was stopped", n)
	}
	// The work really was shared: every process served some of it.
	for n, r := range c.replicas {
		m, err := r.Metrics(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m["atlas_slack_requests_total"] == 0 {
			t.Errorf("replica %d served none of the %d commands", n, 2*len(staff))
		}
	}

	// One person's two starts at the same moment, through two replicas.
	p := staff[0]
	envs := []*slackfake.Envelope{
		c.fake.SendSlashCommand(slack.SlashCommand{Command: "/timer", Text: "start " + c.practice.Names[1] + " payroll", UserID: p.SlackID, ChannelID: clusterChannel}),
		c.fake.SendSlashCommand(slack.SlashCommand{Command: "/timer", Text: "start " + c.practice.Names[2] + " payroll", UserID: p.SlackID, ChannelID: clusterChannel}),
	}
	var starts []string
	for _, e := range envs {
		ack := e.WaitAck(t)
		if s := string(ack); strings.Contains(s, `"text"`) {
			starts = append(starts, s)
			continue
		}
		answer := c.fake.WaitForResponse(t, func(r slackfake.ResponsePost) bool { return strings.HasSuffix(e.ResponseURL, "/"+r.ID) })
		starts = append(starts, string(answer.Body))
	}
	started := 0
	for _, a := range starts {
		if strings.Contains(a, "Timer started") {
			started++
		}
		if strings.Contains(a, "went wrong") || strings.Contains(a, "reference") {
			t.Errorf("a start at the same moment was answered with an error: %s", a)
		}
	}
	if started != 2 {
		t.Errorf("two starts answered %q; want both started, the later one saving the first", starts)
	}
	if n := c.count(`SELECT count(*) FROM timers WHERE practice_id = $1 AND member_id = $2`, c.practice.ID, p.Member); n != 1 {
		t.Errorf("%d timers running for one person", n)
	}

	// Two partners approve one draft at the same moment.
	var draft int64
	if err := c.pool.QueryRow(ctx, `SELECT id FROM invoices WHERE practice_id = $1 AND status = 'awaiting_approval' ORDER BY id LIMIT 1`,
		c.practice.ID).Scan(&draft); err != nil {
		t.Fatalf("an invoice awaiting approval from the billing run: %v", err)
	}
	mark := len(c.fake.ResponseURLPosts())
	for _, who := range partners[:2] {
		c.fake.SendInteraction(map[string]any{
			"type": "block_actions", "user": map[string]any{"id": who}, "channel": map[string]any{"id": clusterBillingChannel},
			"container": map[string]any{"type": "message", "message_ts": "1700000000.000100", "channel_id": clusterBillingChannel},
			"message":   map[string]any{"ts": "1700000000.000100", "text": "…"},
			"actions": []any{map[string]any{"action_id": "invoice.approve", "block_id": "b", "type": "button",
				"value": fmt.Sprint(draft), "action_ts": "1700000001.000100"}},
		})
	}
	var answers []string
	c.eventually(15*time.Second, func() string {
		answers = answers[:0]
		for _, r := range c.fake.ResponseURLPosts()[mark:] {
			answers = append(answers, r.Params["text"])
		}
		if len(answers) < 2 {
			return fmt.Sprintf("%d of 2 partners answered: %q", len(answers), answers)
		}
		return ""
	})
	approved := 0
	for _, a := range answers {
		if strings.Contains(a, "Approved *") {
			approved++
		}
	}
	if approved != 1 {
		t.Errorf("two clicks approved %d times: %q", approved, answers)
	}
	var status, number string
	if err := c.pool.QueryRow(ctx, `SELECT status, coalesce(number, '') FROM invoices WHERE id = $1`, draft).Scan(&status, &number); err != nil {
		t.Fatal(err)
	}
	if status != "approved" || number == "" {
		t.Errorf("the draft is %s, numbered %q; want approved with a number", status, number)
	}
	if n := c.count(`SELECT count(*) FROM audit_events WHERE practice_id = $1 AND action = 'invoice.approve' AND subject_id = $2`,
		c.practice.ID, draft); n != 1 {
		t.Errorf("%d approvals recorded", n)
	}
}

// A billing run and the day's digests go out through three processes
// while Slack answers a burst of their calls with HTTP 429: every message
// is delivered once, each channel's posts in the order they were queued,
// no sooner than Retry-After said, and never faster than one a second per
// channel, whichever process sends them.
func TestRateLimitedBurstAcrossReplicas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCluster(t, clusterOptions{size: loadtest.Size{Clients: 16, People: 16, Days: 10, Fresh: true}, jobsDue: true, digests: true})
	const retryAfter = 2 * time.Second
	c.fake.RateLimit("chat.postMessage", retryAfter, 12)
	c.fake.RateLimit("conversations.open", retryAfter, 3)
	for n := 1; n <= 3; n++ {
		c.start(n)
	}
	c.eventually(3*time.Minute, func() string {
		if n := c.count(`SELECT count(*) FROM job_slots WHERE practice_id = $1 AND job IN ('billing_run', 'digests')`, c.practice.ID); n < 2 {
			return "the billing run and the digests have not run"
		}
		if n := c.count(`SELECT count(*) FROM river_job WHERE kind IN ('slack_post', 'slack_update')
			AND state NOT IN ('completed', 'discarded', 'cancelled')`); n > 0 {
			return fmt.Sprintf("%d posts still to go", n)
		}
		return ""
	})
	if n := len(c.fake.RateLimitedCalls("chat.postMessage")); n != 12 {
		t.Fatalf("%d posts were refused with 429, want the 12 asked for", n)
	}
	if n := c.count(`SELECT count(*) FROM river_job WHERE kind = 'slack_post' AND state <> 'completed'`); n != 0 {
		t.Errorf("%d posts were given up", n)
	}

	// Each channel's posts, in the order the stand-in took them.
	type sent struct {
		ts string
		at time.Time
	}
	byChannel := map[string][]sent{}
	limited := map[string]time.Time{} // channel → when its last 429 was answered
	for _, call := range c.fake.AllCalls() {
		if call.Method != "chat.postMessage" {
			continue
		}
		ch := call.Param("channel")
		if call.RateLimited {
			limited[ch] = call.At
			continue
		}
		if call.Error != "" {
			t.Errorf("a post to %s failed: %s", ch, call.Error)
			continue
		}
		var ts string
		if i := strings.Index(string(call.Response), `"ts":"`); i >= 0 {
			ts = string(call.Response)[i+6:]
			ts = ts[:strings.IndexByte(ts, '"')]
		}
		if at, ok := limited[ch]; ok && call.At.Sub(at) < retryAfter-100*time.Millisecond {
			t.Errorf("%s: posted %s after a 429 that said to wait %s", ch, call.At.Sub(at).Round(time.Millisecond), retryAfter)
		}
		byChannel[ch] = append(byChannel[ch], sent{ts: ts, at: call.At})
	}
	// One post per queued subject, paced, in queue order.
	rows, err := c.pool.Query(ctx, `
		SELECT j.args->>'channel', p.ts
		  FROM river_job j
		  JOIN slack_posts p ON p.practice_id = j.args->>'practice' AND p.subject_type = j.args->'subject'->>'type'
		   AND p.subject_id = (j.args->'subject'->>'id')::bigint AND p.purpose = j.args->'subject'->>'purpose'
		 WHERE j.kind = 'slack_post' AND p.ts NOT LIKE 'file:%'
		 ORDER BY j.args->>'channel', (j.args->>'seq')::bigint`)
	if err != nil {
		t.Fatal(err)
	}
	queued := map[string][]string{}
	for rows.Next() {
		var ch, ts string
		if err := rows.Scan(&ch, &ts); err != nil {
			t.Fatal(err)
		}
		queued[ch] = append(queued[ch], ts)
	}
	if len(queued) == 0 {
		t.Fatal("nothing was queued")
	}
	for ch, want := range queued {
		got := byChannel[slackChannel(ch)]
		if len(got) != len(want) {
			t.Errorf("%s: %d posts for %d queued", ch, len(got), len(want))
			continue
		}
		for i := range got {
			if got[i].ts != want[i] {
				t.Errorf("%s: post %d is %s, queued as %s: out of order", ch, i, got[i].ts, want[i])
				break
			}
			if i > 0 && !strings.HasPrefix(ch, "U") {
				if gap := got[i].at.Sub(got[i-1].at); gap < 900*time.Millisecond {
					t.Errorf("%s: posts %d and %d %s apart", ch, i-1, i, gap.Round(time.Millisecond))
				}
			}
		}
	}
}

// slackChannel is where a post queued for ch went: a person's posts go to
// their DM with Atlas.
func slackChannel(ch string) string {
	if strings.HasPrefix(ch, "U") {
		return slackfake.DMChannelID(ch)
	}
	return ch
}
