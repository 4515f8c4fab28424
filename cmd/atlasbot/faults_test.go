package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/loadtest"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

// logged is what one /log came to: its description (unique to it) and
// what the person was told.
type logged struct {
	note   string
	answer string
}

// saved reports whether the answer says the time was saved.
func (l logged) saved() bool { return strings.Contains(l.answer, "Logged ") }

// lines gathers /log lines and their answers as they come.
type lines struct {
	mu  sync.Mutex
	all []logged
}

func (l *lines) add(x logged) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, x)
}

// snapshot is every line so far.
func (l *lines) snapshot() []logged {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]logged(nil), l.all...)
}

// answered waits for an answer holding want (every answer when want is
// "") after the first from of them, and says what it still waits for.
func (l *lines) answered(from int, want string) func() string {
	return func() string {
		got := l.snapshot()
		for _, x := range got[min(from, len(got)):] {
			if x.answer != "" && strings.Contains(x.answer, want) {
				return ""
			}
		}
		return fmt.Sprintf("no answer after the first %d of %d says %q", from, len(got), want)
	}
}

// logMany has each person log time, one line after another, into out
// until stop closes.
func (c *cluster) logMany(people []loadtest.Person, tag string, out *lines, stop <-chan struct{}) {
	var wg sync.WaitGroup
	for i, p := range people {
		wg.Go(func() {
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				note := fmt.Sprintf("%s line %d of person %d", tag, k, i)
				answer := c.tryCommand(p.SlackID, "/log", fmt.Sprintf("1h %s bk %s", c.practice.Clients[(i+k)%len(c.practice.Clients)], note))
				out.add(logged{note: note, answer: answer})
			}
		})
	}
	wg.Wait()
}

// checkLogged holds the database to the answers: every line answered as
// saved is there once, and every other line is not there at all.
func (c *cluster) checkLogged(lines []logged) (saved int) {
	c.t.Helper()
	for _, l := range lines {
		n := c.count(`SELECT count(*) FROM time_entries WHERE practice_id = $1 AND description = $2`, c.practice.ID, l.note)
		switch {
		case l.saved() && n != 1:
			c.t.Errorf("%q was answered as saved and is there %d times", l.note, n)
		case l.answer == "" && n > 1:
			// Unanswered in time on a loaded machine: it may have been
			// saved, but once at most.
			c.t.Errorf("%q, unanswered, is there %d times", l.note, n)
		case l.answer != "" && !l.saved() && n != 0:
			c.t.Errorf("%q was answered %s, and is there %d times", l.note, l.answer, n)
		}
		if l.saved() {
			saved++
		}
	}
	return saved
}

// PostgreSQL taken away while people log time through two processes, then
// given back: meanwhile they are told the database cannot be reached and
// nothing was saved; afterwards Atlas saves again by itself; everything
// answered as saved is there once and nothing else is.
func TestDatabaseOutageWhileCommandsFlow(t *testing.T) {
	t.Parallel()
	var proxy *pgtest.Proxy
	c := newCluster(t, clusterOptions{
		size: loadtest.Size{Clients: 20, People: 16, Days: 2},
		dbHost: func(server string) string {
			proxy = pgtest.StartProxy(t, server)
			return proxy.Addr()
		},
	})
	// Replica 1 also serves the client portal and the smart inbox.
	c.env.Portal = "outage-test-portal-secret-0123456789"
	inboxAddr := freeAddr(t)
	portal := c.start(1, "INBOX_ADDR="+inboxAddr, "INBOX_DOMAINS=in.atlas.test")
	c.start(2)
	people := c.practice.People[:6]
	// A client asks the portal for a sign-in link; an email reaches the
	// inbox. What each is answered, with the database there or not.
	askLink := func() (int, string) {
		resp, err := http.PostForm("http://"+portal.Addr+"/portal/login", url.Values{"email": {"accounts@c1.example"}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	mail := func(id string) error {
		msg := "From: Client One <accounts@c1.example>\r\nTo: docs@in.atlas.test\r\nSubject: Bank statements " + id +
			"\r\nMessage-ID: <" + id + "@c1.example>\r\n\r\nNovember's statements attached.\r\n"
		return smtp.SendMail(inboxAddr, nil, "accounts@c1.example", []string{"docs@in.atlas.test"}, []byte(msg))
	}

	// Each phase runs until its answer has come, and then some: a phase
	// ends once a line started after the answer is answered too.
	phase := func(tag, want string) []logged {
		var got lines
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() { c.logMany(people, tag, &got, stop); close(done) }()
		c.eventually(30*time.Second, got.answered(0, want))
		close(stop)
		<-done
		return got.snapshot()
	}
	before := phase("before", "Logged ")
	proxy.Down()
	during := phase("during", slackapp.DatabaseDown)
	if code, body := askLink(); code != http.StatusServiceUnavailable || !strings.Contains(body, "nothing was saved") {
		t.Errorf("the portal, without its database, answered %d: %s", code, body)
	}
	// The inbox refuses for now (4xx), so the sender's server keeps the
	// mail and tries again: nothing is lost.
	var refusal *textproto.Error
	if err := mail("outage-1"); !errors.As(err, &refusal) || refusal.Code/100 != 4 {
		t.Errorf("an email during the outage was answered %v; want a temporary refusal", err)
	}
	proxy.Up()
	after := phase("after", "Logged ")
	if code, body := askLink(); code != http.StatusOK || !strings.Contains(body, "Check your email") {
		t.Errorf("the portal, with its database back, answered %d: %s", code, body)
	}
	// The sender's retry, and a second copy of it, are kept once.
	for range 2 {
		if err := mail("outage-1"); err != nil {
			t.Errorf("an email once the database was back: %v", err)
		}
	}
	if n := c.count(`SELECT count(*) FROM inbox_messages WHERE message_id LIKE '%outage-1%'`); n != 1 {
		t.Errorf("the email retried after the outage is kept %d times", n)
	}

	if n := c.checkLogged(before); n == 0 {
		t.Errorf("nothing was saved before the outage")
	}
	c.checkLogged(during)
	told := 0
	for _, l := range during {
		if strings.Contains(l.answer, slackapp.DatabaseDown) {
			told++
		}
	}
	if told == 0 {
		t.Errorf("no one was told the database could not be reached: %q", during)
	}
	if n := c.checkLogged(after); n == 0 {
		t.Errorf("nothing was saved once the database was back")
	}
	// Nothing another way: every entry in the database is one of the
	// lines, once.
	if n, want := c.count(`SELECT count(*) FROM time_entries WHERE practice_id = $1 AND description ~ '^(before|during|after) line'`,
		c.practice.ID), savedCount(before, during, after); n != want {
		t.Errorf("%d entries from the lines, %d answered as saved", n, want)
	}
}

func savedCount(groups ...[]logged) int {
	n := 0
	for _, g := range groups {
		for _, l := range g {
			if l.saved() {
				n++
			}
		}
	}
	return n
}

// Slack drops every connection, then asks for a refresh of each, while
// people log time through three processes: each process is connected
// again within five seconds; a command caught in the drop is at most
// lost with its connection (Slack then tells the person it failed), never
// saved twice; the commands after it all go through; and an event Slack
// delivers again, to another process, is handled once.
func TestSocketDropWhileCommandsFlow(t *testing.T) {
	t.Parallel()
	c := newCluster(t, clusterOptions{size: loadtest.Size{Clients: 20, People: 16, Days: 2}})
	for n := 1; n <= 3; n++ {
		c.start(n)
	}
	people := c.practice.People[:6]
	var during lines
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { c.logMany(people, "drop", &during, stop); close(done) }()
	c.eventually(20*time.Second, during.answered(10, "Logged "))
	var reconnect []time.Duration
	for _, drop := range []func(){c.fake.DropConnections, func() { c.fake.Disconnect("refresh_requested") }} {
		start := time.Now()
		drop()
		c.eventually(5*time.Second, func() string {
			if n := c.fake.ActiveConnections(); n < 3 {
				return fmt.Sprintf("%d of 3 connections back", n)
			}
			return ""
		})
		reconnect = append(reconnect, time.Since(start))
		c.eventually(20*time.Second, during.answered(len(during.snapshot())+len(people), "Logged "))
	}
	close(stop)
	<-done
	t.Logf("reconnected after a drop in %s, after a refresh in %s", reconnect[0].Round(time.Millisecond), reconnect[1].Round(time.Millisecond))

	lost := 0
	for _, l := range during.snapshot() {
		n := c.count(`SELECT count(*) FROM time_entries WHERE practice_id = $1 AND description = $2`, c.practice.ID, l.note)
		switch {
		case l.answer == "":
			lost++ // no ack: Slack tells the person; saved at most once
			if n > 1 {
				t.Errorf("%q, caught in the drop, is there %d times", l.note, n)
			}
		case !l.saved():
			t.Errorf("%q was answered %s", l.note, l.answer)
		case n != 1:
			t.Errorf("%q was answered as saved and is there %d times", l.note, n)
		}
	}
	t.Logf("%d of %d commands caught in the drops and lost with their connection", lost, len(during.snapshot()))
	if lost > 2*len(people) {
		t.Errorf("%d of %d commands lost in two drops", lost, len(during.snapshot()))
	}
	after := c.logOnce(people, "after the drops")
	for _, l := range after {
		if !l.saved() {
			t.Errorf("%q, after the drops, was answered %s", l.note, l.answer)
		}
	}
	c.checkLogged(after)

	// An event delivered twice (Slack's retry after a lost ack), each
	// time to another connection, is handled once: the second delivery is
	// seen and set aside (the replicas log it), and the home tab has been
	// published once.
	mark := len(c.fake.Calls("views.publish"))
	event := map[string]any{"event_id": "EvTWICE01", "event": map[string]any{"type": "app_home_opened", "user": people[0].SlackID, "tab": "home"}}
	c.fake.SendEvent(event).WaitAck(t)
	c.fake.SendEvent(event, slackfake.WithRetry(1, "timeout")).WaitAck(t)
	c.eventually(10*time.Second, func() string {
		if !c.logged(`"msg":"duplicate event delivery ignored"`, "EvTWICE01") {
			return "no replica has set the second delivery aside"
		}
		if n := len(c.fake.Calls("views.publish")) - mark; n == 0 {
			return "the home tab has not been published"
		}
		return ""
	})
	if n := len(c.fake.Calls("views.publish")) - mark; n != 1 {
		t.Errorf("the home tab was published %d times for one event", n)
	}
}

// logOnce has each person log one line, and returns the lines with their
// answers.
func (c *cluster) logOnce(people []loadtest.Person, tag string) []logged {
	c.t.Helper()
	out := make([]logged, len(people))
	var wg sync.WaitGroup
	for i, p := range people {
		wg.Go(func() {
			note := fmt.Sprintf("%s, person %d", tag, i)
			out[i] = logged{note: note, answer: c.tryCommand(p.SlackID, "/log", "1h "+c.practice.Clients[i]+" bk "+note)}
		})
	}
	wg.Wait()
	return out
}

// A process asked to stop (SIGTERM) while a command is half-way through
// finishes it: the person's time is saved and they are told so, and the
// process exits cleanly. One stopped past its SHUTDOWN_TIMEOUT rolls the
// command back whole: nothing half-written.
func TestStopMidCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCluster(t, clusterOptions{size: loadtest.Size{Clients: 10, People: 16, Days: 2}, extra: []string{"SHUTDOWN_TIMEOUT=3s"}})
	p := c.practice.People[3]

	for _, tc := range []struct {
		name  string
		saved bool
	}{{"finishes within the timeout", true}, {"rolled back past it", false}} {
		r := c.start(1)
		// Hold the command at its insert.
		hold, err := c.pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := hold.Exec(ctx, `LOCK TABLE time_entries IN SHARE MODE`); err != nil {
			t.Fatal(err)
		}
		note := "stopped mid-command, " + tc.name
		env := c.fake.SendSlashCommand(slack.SlashCommand{Command: "/log", Text: "2h " + c.practice.Clients[0] + " bk " + note,
			UserID: p.SlackID, ChannelID: clusterChannel})
		env.WaitAck(t)
		c.eventually(10*time.Second, func() string {
			if n := c.count(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
				AND wait_event_type = 'Lock' AND query ILIKE '%time_entries%'`); n != 1 {
				return "the command has not reached its insert"
			}
			return ""
		})
		if err := r.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if tc.saved {
			// Let it go once the process is stopping: /readyz says so
			// from the first step of a stop.
			c.eventually(5*time.Second, func() string {
				if code := readyz(r.Addr); code != 503 {
					return fmt.Sprintf("/readyz answers %d", code)
				}
				return ""
			})
		} else {
			// Hold it past SHUTDOWN_TIMEOUT: the process gives up on it
			// and exits with the row still locked.
			select {
			case <-r.Exited():
			case <-time.After(15 * time.Second):
				t.Fatalf("%s: still running 15 s after SIGTERM", tc.name)
			}
		}
		if err := hold.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		select {
		case <-r.Exited():
		case <-time.After(15 * time.Second):
			t.Fatalf("%s: still running 15 s after SIGTERM", tc.name)
		}
		delete(c.replicas, 1)
		// Its sessions gone: a statement it left on the server could still
		// commit until then.
		c.eventually(10*time.Second, func() string {
			if n := c.count(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`, loadtest.ApplicationName(1)); n > 0 {
				return fmt.Sprintf("%d sessions of the stopped process still open", n)
			}
			return ""
		})
		n := c.count(`SELECT count(*) FROM time_entries WHERE practice_id = $1 AND description = $2`, c.practice.ID, note)
		if tc.saved && n != 1 || !tc.saved && n != 0 {
			t.Errorf("%s: %d entries", tc.name, n)
		}
		if tc.saved {
			if r.Err() != nil {
				t.Errorf("%s: exit %v after a clean stop", tc.name, r.Err())
			}
			answer := c.fake.WaitForResponse(t, func(rp slackfake.ResponsePost) bool { return strings.HasSuffix(env.ResponseURL, "/"+rp.ID) })
			if !strings.Contains(string(answer.Body), "Logged 2h") {
				t.Errorf("%s: answered %s", tc.name, answer.Body)
			}
		}
	}
}

// readyz is the status /readyz answers with, 0 when it does not answer.
func readyz(addr string) int {
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A process killed (SIGKILL) with timers running and a billing run half
// posted, at the worst moment — Slack has taken a post and the process has
// not heard back — loses nothing and posts nothing twice once a process
// runs again: the timers still run, and every card goes to the channel
// once, the one Slack took included.
func TestKillMidBillingRunWithTimersRunning(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// Only the billing run posts: no digests.
	c := newCluster(t, clusterOptions{size: loadtest.Size{Clients: 12, People: 16, Days: 10, Fresh: true}, jobsDue: true})
	c.start(1)
	people := c.practice.People[2:5]
	for i, p := range people {
		if got := c.command(p.SlackID, "/timer", "start "+c.practice.Clients[i]+" bk month-end"); !strings.Contains(got, "Timer started") {
			t.Fatalf("timer start answered %s", got)
		}
	}
	// Half the run posted, then hold the next post's answer and kill the
	// process while Slack has the message and Atlas does not know.
	billingPosts := func() int {
		n := 0
		for _, call := range c.fake.Calls("chat.postMessage") {
			if call.Param("channel") == clusterBillingChannel && call.Error == "" && !call.RateLimited {
				n++
			}
		}
		return n
	}
	c.eventually(60*time.Second, func() string {
		if n := billingPosts(); n < 3 {
			return fmt.Sprintf("%d cards posted", n)
		}
		return ""
	})
	hold := c.fake.HoldCalls("chat.postMessage", 1)
	hold.Wait(t)
	c.kill(1)
	hold.Release()
	c.start(2)

	c.eventually(2*time.Minute, func() string {
		if n := c.count(`SELECT count(*) FROM river_job WHERE kind IN ('slack_post', 'slack_update')
			AND state NOT IN ('completed', 'discarded', 'cancelled')`); n > 0 {
			return fmt.Sprintf("%d posts still to go", n)
		}
		return ""
	})
	queued := c.count(`SELECT count(*) FROM river_job WHERE kind = 'slack_post' AND args->>'channel' = $1`, clusterBillingChannel)
	recorded := c.count(`SELECT count(*) FROM slack_posts WHERE practice_id = $1 AND channel = $2 AND ts NOT LIKE 'file:%'`,
		c.practice.ID, clusterBillingChannel)
	if posted := billingPosts(); posted != queued || recorded != queued {
		t.Errorf("billing channel: %d posts queued, %d sent to Slack, %d recorded; want each once", queued, posted, recorded)
	}
	if n := c.count(`SELECT count(*) FROM river_job WHERE kind = 'slack_post' AND state <> 'completed'`); n != 0 {
		t.Errorf("%d posts were given up", n)
	}
	// The held post was found in the channel, not sent again.
	if n := len(c.fake.Calls("conversations.history")) + len(c.fake.Calls("conversations.replies")); n == 0 {
		t.Errorf("the process that took over never looked for the post Slack had taken")
	}
	// The timers ran on through the crash, and stop as usual.
	for _, p := range people {
		if n := c.count(`SELECT count(*) FROM timers WHERE practice_id = $1 AND member_id = $2`, c.practice.ID, p.Member); n != 1 {
			t.Errorf("%s: %d timers after the crash", p.SlackID, n)
		}
	}
	if _, err := c.pool.Exec(ctx, `UPDATE timers SET started_at = started_at - interval '45 minutes' WHERE practice_id = $1`, c.practice.ID); err != nil {
		t.Fatal(err)
	}
	for _, p := range people {
		if got := c.command(p.SlackID, "/timer", "stop"); !strings.Contains(got, "Timer stopped and saved") {
			t.Errorf("%s: timer stop answered %s", p.SlackID, got)
		}
		if n := c.count(`SELECT count(*) FROM time_entries WHERE practice_id = $1 AND member_id = $2 AND source = 'timer'
			AND minutes >= 45`, c.practice.ID, p.Member); n != 1 {
			t.Errorf("%s: %d entries of 45 minutes or more from the timer", p.SlackID, n)
		}
	}
}
