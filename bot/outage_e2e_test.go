package bot_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

// dbProxy stands between Atlas and PostgreSQL, so a test can take the
// database away and give it back: a real outage as Atlas sees one, with its
// connections cut and new ones refused.
type dbProxy struct {
	t      *testing.T
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func startProxy(t *testing.T, target string) *dbProxy {
	p := &dbProxy{t: t, target: target}
	p.up("127.0.0.1:0")
	t.Cleanup(p.down)
	return p
}

func (p *dbProxy) up(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { _, _ = io.Copy(c, s); c.Close() }()
		}
	}()
}

// down refuses new connections and cuts the open ones.
func (p *dbProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// While PostgreSQL cannot be reached, people are told so — nothing saved,
// try again in a minute — not that something broke; the outage is logged
// once with one reference, and Atlas answers as usual once it is back.
func TestDatabaseUnreachableIsSaidSo(t *testing.T) {
	t.Parallel()
	dbURL, _ := pgtest.NewDatabase(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := startProxy(t, u.Host)
	u.Host = proxy.addr
	cfg, err := pgxpool.ParseConfig(u.String())
	if err != nil {
		t.Fatal(err)
	}
	db.Configure(cfg)
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)

	fake := slackfake.New(t)
	fake.AddUser(adminID, "ada", "Ada Admin", "ada@example.com")
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	api := slackapp.NewClient("xoxb-test-token", "xapp-1-test", fake.APIURL())
	rt := bot.NewRouter(log, api, pool, []string{adminID})
	bot.Register(rt, bot.NewDeps(pool))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = slackapp.NewSocketMode(api, rt, log).Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	fake.WaitForConnections(t, 1)
	say := func(text string) string {
		t.Helper()
		return ackText(t, fake.SendSlashCommand(slackCommand("/atlas", text)).WaitAck(t))
	}

	if got := say("team"); !strings.Contains(got, "1 person on the team") {
		t.Fatalf("before the outage: %s", got)
	}
	proxy.down()
	for _, text := range []string{"team", "clients", "services add PAYROLL Payroll"} {
		if got := say(text); !strings.Contains(got, "can't reach its database") || !strings.Contains(got, "nothing was saved") {
			t.Fatalf("/atlas %s while the database is down: %s", text, got)
		}
	}
	if n := strings.Count(logs.String(), `msg="database unreachable"`); n != 1 {
		t.Fatalf("the outage was logged %d times as an error, want once:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), `msg="handler failed"`) {
		t.Fatalf("the outage was logged as a fault:\n%s", logs.String())
	}
	proxy.up(proxy.addr)
	if got := say("services"); !strings.Contains(got, "No services yet") {
		t.Fatalf("after the outage: %s (the service added during it must not exist)", got)
	}
	if !strings.Contains(logs.String(), `msg="database reachable again"`) {
		t.Fatalf("recovery not logged:\n%s", logs.String())
	}
}

// slackCommand is a slash command from the bootstrap admin.
func slackCommand(command, text string) slack.SlashCommand {
	return slack.SlashCommand{Command: command, Text: text, UserID: adminID, UserName: "ada",
		TeamID: slackfake.TeamID, ChannelID: "C0GENERAL"}
}
