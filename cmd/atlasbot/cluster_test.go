package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/internal/loadtest"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

// cluster is Atlas as a practice that has outgrown one process runs it:
// several atlasbot processes on one database, each with its own Socket Mode
// connection to the Slack stand-in, which spreads envelopes across them as
// Slack spreads them across an app's connections.
type cluster struct {
	t        *testing.T
	fake     *slackfake.Server
	pool     *pgxpool.Pool // the test's own view of the database
	env      loadtest.ReplicaEnv
	practice loadtest.Practice
	replicas map[int]*loadtest.Replica
}

// clusterOptions shapes a cluster's practice and processes.
type clusterOptions struct {
	size loadtest.Size
	// jobsDue backdates the practice forty days, so that every periodic
	// job has a slot due the moment the processes start.
	jobsDue bool
	// digests makes the day's digests due from midnight, every day: one
	// to the channel CDIGEST and one to each person. Without it there are
	// none.
	digests bool
	// dbHost, when set, is the host:port the processes reach PostgreSQL at
	// (a pgtest.Proxy), in place of the server's own.
	dbHost func(serverHost string) string
	// extra settings for every process, NAME=value.
	extra []string
}

// The practice's channels.
const (
	clusterChannel        = "CWORK"
	clusterBillingChannel = "CBILLING"
)

// newCluster seeds a practice in a database of its own and readies the
// processes' settings; start starts them.
func newCluster(t *testing.T, o clusterOptions) *cluster {
	t.Helper()
	ctx := context.Background()
	dbURL, pool := pgtest.NewDatabase(t)
	practice, err := loadtest.Seed(ctx, pool, o.size, time.Now(), clusterChannel, clusterBillingChannel)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	if o.jobsDue {
		if _, err := pool.Exec(ctx, `UPDATE practices SET created_at = now() - interval '40 days' WHERE id = $1`, practice.ID); err != nil {
			t.Fatal(err)
		}
	}
	digests := `UPDATE practices SET digest_channel = NULL, personal_digest_default = false WHERE id = $1`
	if o.digests {
		digests = `UPDATE practices SET digest_channel = 'CDIGEST', digest_time = '00:00',
			working_days = '{1,2,3,4,5,6,7}', personal_digest_default = true WHERE id = $1`
	}
	if _, err := pool.Exec(ctx, digests, practice.ID); err != nil {
		t.Fatal(err)
	}
	if o.dbHost != nil {
		dbURL = replaceHost(t, dbURL, o.dbHost)
	}
	c := &cluster{t: t, fake: slackfake.New(t), pool: pool, practice: practice, replicas: map[int]*loadtest.Replica{}}
	admins := make([]string, 0, 2)
	for _, p := range practice.People[:2] {
		admins = append(admins, p.SlackID)
	}
	c.env = loadtest.ReplicaEnv{
		Binary:      binary(t),
		DatabaseURL: dbURL,
		SlackAPIURL: c.fake.APIURL(),
		Admins:      strings.Join(admins, ","),
		LogDir:      t.TempDir(),
		Extra:       append([]string{"LOG_LEVEL=info", "JOBS_TICK=1s", "JOBS_RESCUE_AFTER=10s"}, o.extra...),
	}
	t.Cleanup(func() {
		for _, r := range c.replicas {
			r.Kill()
		}
		if t.Failed() {
			for n, r := range c.replicas {
				out, _ := os.ReadFile(r.LogPath)
				t.Logf("replica %d's log:\n%s", n, tail(string(out), 60))
			}
		}
	})
	return c
}

// start starts replica n and waits until it is ready and connected.
// extra settings (NAME=value) are for this replica alone.
func (c *cluster) start(n int, extra ...string) *loadtest.Replica {
	c.t.Helper()
	before := c.fake.ActiveConnections()
	env := c.env
	env.Extra = append(append([]string(nil), env.Extra...), extra...)
	r, err := loadtest.StartReplica(context.Background(), n, env)
	if err != nil {
		c.t.Fatal(err)
	}
	c.replicas[n] = r
	c.fake.WaitForConnections(c.t, before+1)
	return r
}

// kill SIGKILLs replica n, as a crash or an OOM kill would end it.
func (c *cluster) kill(n int) {
	c.t.Helper()
	r := c.replicas[n]
	if r == nil {
		c.t.Fatalf("no replica %d", n)
	}
	r.Kill()
	delete(c.replicas, n)
}

// command sends a slash command as person from the practice's channel and
// returns the answer: the acknowledgement's text, or what followed through
// the response_url.
func (c *cluster) command(user, command, text string) string {
	c.t.Helper()
	env := c.fake.SendSlashCommand(slack.SlashCommand{Command: command, Text: text, UserID: user, ChannelID: clusterChannel})
	if ack := string(env.WaitAck(c.t)); strings.Contains(ack, `"text"`) || strings.Contains(ack, `"blocks"`) {
		return ack
	}
	return string(c.fake.WaitForResponse(c.t, func(p slackfake.ResponsePost) bool {
		return strings.HasSuffix(env.ResponseURL, "/"+p.ID)
	}).Body)
}

// tryCommand is command for goroutines and for commands that may be lost
// (a dropped socket): it returns "" when the command is not acknowledged
// within Slack's 3 s, or its answer does not follow within 10 s.
func (c *cluster) tryCommand(user, command, text string) string {
	env := c.fake.SendSlashCommand(slack.SlashCommand{Command: command, Text: text, UserID: user, ChannelID: clusterChannel})
	ack, ok := env.AwaitAck(3 * time.Second)
	if !ok {
		return ""
	}
	if s := string(ack); strings.Contains(s, `"text"`) || strings.Contains(s, `"blocks"`) {
		return s
	}
	answer, _ := c.fake.AwaitResponse(10*time.Second, func(p slackfake.ResponsePost) bool {
		return strings.HasSuffix(env.ResponseURL, "/"+p.ID)
	})
	return string(answer.Body)
}

// logged reports whether any replica's log has a line holding every one
// of parts.
func (c *cluster) logged(parts ...string) bool {
	for _, r := range c.replicas {
		out, _ := os.ReadFile(r.LogPath)
	lines:
		for _, line := range strings.Split(string(out), "\n") {
			for _, p := range parts {
				if !strings.Contains(line, p) {
					continue lines
				}
			}
			return true
		}
	}
	return false
}

// count runs a counting query.
func (c *cluster) count(sql string, args ...any) int {
	c.t.Helper()
	var n int
	if err := c.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		c.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// eventually waits up to limit for cond, which says what it still waits
// for ("" when it holds). Processes are watched from outside, so asking
// again is the only way to learn they have done something.
func (c *cluster) eventually(limit time.Duration, cond func() string) {
	c.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		why := cond()
		if why == "" {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("after %s: %s", limit, why)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// replaceHost points a database URL at another host:port.
func replaceHost(t *testing.T, dbURL string, f func(string) string) string {
	t.Helper()
	at := strings.LastIndex(dbURL, "@")
	if at < 0 {
		t.Fatalf("unexpected database URL shape")
	}
	slash := strings.Index(dbURL[at:], "/")
	if slash < 0 {
		t.Fatalf("unexpected database URL shape")
	}
	host := dbURL[at+1 : at+slash]
	return dbURL[:at+1] + f(host) + dbURL[at+slash:]
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("… %d lines before", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
