package bot_test

import (
	"bytes"
	"context"
	"log/slog"
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
	proxy := pgtest.StartProxy(t, u.Host)
	u.Host = proxy.Addr()
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
	proxy.Down()
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
	proxy.Up()
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
