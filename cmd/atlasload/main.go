// Command atlasload is Atlas's load test: it builds a large practice in a
// database of its own, starts one or more real atlasbot processes against
// the Go Slack stand-in over Socket Mode, plays the practice's people at
// them — paced, in bursts and unpaced — and prints how fast every request
// was acknowledged and answered, the errors, the peak memory and the
// database pool's waits, against the goals. A few simulated clients ask
// the replicas' portal for sign-in links and email their inbox documents
// meanwhile, timed too. `make load` runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/loadtest"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "atlasload:", err)
		os.Exit(1)
	}
}

type options struct {
	replicas        int
	runs            int
	paced, unpaced  time.Duration
	rounds          int
	binary, logDir  string
	databaseURL     string
	clients, people int
	clientSim       int
}

func run(ctx context.Context, args []string, out io.Writer) error {
	var o options
	fs := flag.NewFlagSet("atlasload", flag.ContinueOnError)
	fs.IntVar(&o.replicas, "replicas", 1, "atlasbot processes sharing the database and the Socket Mode app")
	fs.IntVar(&o.runs, "runs", 3, "times to play the three phases")
	fs.DurationVar(&o.paced, "paced", 40*time.Second, "length of the paced phase (a request every 2-6 s from each person)")
	fs.DurationVar(&o.unpaced, "unpaced", 20*time.Second, "length of the unpaced phase (each person's next request as soon as the last is answered)")
	fs.IntVar(&o.rounds, "rounds", 6, "bursts of one request from every person at once")
	fs.StringVar(&o.binary, "binary", "bin/atlasbot", "the atlasbot binary to run")
	fs.StringVar(&o.logDir, "logs", "bin/load", "where each replica's log is written")
	fs.IntVar(&o.clients, "clients", loadtest.DefaultSize.Clients, "clients in the practice")
	fs.IntVar(&o.people, "people", loadtest.DefaultSize.People, "people in the practice (each one simulated)")
	fs.IntVar(&o.clientSim, "clientsim", 5, "simulated clients, paced and unpaced, each asking the portal for a sign-in link and emailing the inbox a document in turn (0: none)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if err := o.check(fs.Args()); err != nil {
		return err
	}
	o.databaseURL = os.Getenv("DATABASE_URL")
	if o.databaseURL == "" {
		return errors.New("DATABASE_URL is not set: the load test makes its database (atlas_load) on that server")
	}
	if err := os.MkdirAll(o.logDir, 0o755); err != nil {
		return err
	}

	say := func(format string, a ...any) { fmt.Fprintf(out, "load: "+format+"\n", a...) }
	loadURL, err := freshDatabase(ctx, o.databaseURL, "atlas_load")
	if err != nil {
		return err
	}
	say("database %s made afresh", "atlas_load")
	pool, err := db.Open(ctx, loadURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := db.Migrate(ctx, pool, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		return err
	}
	start := time.Now()
	size := loadtest.Size{Clients: o.clients, People: o.people, Days: loadtest.DefaultSize.Days}
	prac, err := loadtest.Seed(ctx, pool, size, time.Now(), "C0LOADPRAC", "C0LOADBILL")
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	facts, err := describe(ctx, pool)
	if err != nil {
		return err
	}
	say("practice seeded in %s: %s", time.Since(start).Round(time.Second), facts)

	tasks, invoices, err := loadtest.WorkFor(ctx, pool, prac)
	if err != nil {
		return err
	}
	driver := loadtest.NewDriver()
	fake := slackfake.NewServer(slackfake.WithObserver(driver.Observe), slackfake.WithoutHistory(),
		slackfake.WithBotToken("xoxb-load-token"), slackfake.WithAppToken("xapp-1-load-token"))
	defer fake.Close()
	for _, p := range prac.People {
		fake.AddUser(p.SlackID, strings.ToLower(p.SlackID), "Person "+p.SlackID, strings.ToLower(p.SlackID)+"@ledgerline.example")
	}
	driver.Attach(fake, prac, tasks, invoices)

	env := loadtest.ReplicaEnv{Binary: o.binary, DatabaseURL: loadURL, SlackAPIURL: fake.APIURL(), Admins: prac.People[0].SlackID,
		Portal: "load-portal-secret-0123456789abcdef0123", LogDir: o.logDir}
	var replicas []*loadtest.Replica
	defer func() {
		for _, r := range replicas {
			r.Kill()
		}
	}()
	var portals, inboxes []string
	for n := 1; n <= o.replicas; n++ {
		// Each replica's inbox listens on an address of its own, as its
		// HTTP server does.
		renv, inboxAddr, err := loadtest.InboxEnv(env, loadtest.InboxDomain)
		if err != nil {
			return err
		}
		r, err := loadtest.StartReplica(ctx, n, renv)
		if err != nil {
			return err
		}
		replicas = append(replicas, r)
		portals, inboxes = append(portals, r.Addr), append(inboxes, inboxAddr)
	}
	if err := loadtest.WaitForConnections(ctx, fake, o.replicas); err != nil {
		return err
	}
	say("%d replica(s) of %s connected over Socket Mode (logs in %s)", o.replicas, o.binary, o.logDir)

	// A first request from everyone warms the replicas' connections and
	// caches, as a practice's morning does; it is not counted.
	driver.Run(ctx, loadtest.Phase{Name: "warm-up", Rounds: 1})
	clients := loadtest.NewClients(prac, o.clientSim, portals, inboxes, loadtest.InboxDomain)
	if o.clientSim > 0 {
		if err := clients.Warm(ctx); err != nil {
			return err
		}
		say("%d simulated client(s) on the portal and the inbox (%s) of every replica", o.clientSim, loadtest.InboxDomain)
		if !clients.SpreadSources {
			say("portal requests all come from 127.0.0.1 (no other loopback address can be bound here): past 30 an hour the portal answers 429, counted as errors")
		}
	}

	var runs [][]loadtest.Figures
	for run := 1; run <= o.runs; run++ {
		var figures []loadtest.Figures
		for _, ph := range loadtest.Phases(o.paced, o.unpaced, o.rounds) {
			before := loadtest.Scrape(ctx, replicas)
			samples, csamples := loadtest.Play(ctx, driver, clients, ph)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			after := loadtest.Scrape(ctx, replicas)
			f := loadtest.Summarise(ph.Name, samples)
			f.AddClients(csamples)
			unkept, examples, err := loadtest.CheckInbox(ctx, pool, csamples)
			if err != nil {
				return err
			}
			f.AddUnkept(unkept, examples)
			f.PoolWaits = after["atlas_db_pool_acquire_waits_total"] - before["atlas_db_pool_acquire_waits_total"]
			for _, r := range replicas {
				f.PeakRSS = max(f.PeakRSS, r.PeakRSS())
			}
			figures = append(figures, f)
		}
		loadtest.Print(out, run, figures)
		runs = append(runs, figures)
	}
	ok := loadtest.PrintSpread(out, runs)

	for _, r := range replicas {
		if err := r.Stop(); err != nil {
			return fmt.Errorf("stopping: %w", err)
		}
	}
	replicas = nil
	if !ok {
		return errors.New("a goal was missed")
	}
	return nil
}

// minPeople is the smallest practice the seed can staff: two admins, four
// partners, eight managers and at least one member of staff to prepare
// the packs.
const minPeople = 15

// check refuses flags the load test cannot run with, naming the flag.
func (o options) check(rest []string) error {
	switch {
	case len(rest) > 0:
		return fmt.Errorf("unexpected argument %q: every setting is a flag (-help lists them)", rest[0])
	case o.replicas < 1:
		return fmt.Errorf("-replicas %d: at least one replica is needed", o.replicas)
	case o.runs < 1:
		return fmt.Errorf("-runs %d: at least one run is needed", o.runs)
	case o.paced <= 0:
		return fmt.Errorf("-paced %s: the paced phase needs a positive length", o.paced)
	case o.unpaced <= 0:
		return fmt.Errorf("-unpaced %s: the unpaced phase needs a positive length", o.unpaced)
	case o.rounds < 1:
		return fmt.Errorf("-rounds %d: the burst phase needs at least one round", o.rounds)
	case o.clients < 1:
		return fmt.Errorf("-clients %d: the practice needs at least one client", o.clients)
	case o.clientSim < 0:
		return fmt.Errorf("-clientsim %d: the number of simulated clients cannot be negative (0 plays none)", o.clientSim)
	case o.people < minPeople:
		return fmt.Errorf("-people %d: the practice needs at least %d (two admins, four partners, eight managers and some staff)", o.people, minPeople)
	case o.binary == "":
		return errors.New("-binary is empty: it names the atlasbot binary to run")
	case o.logDir == "":
		return errors.New("-logs is empty: it names the directory for the replicas' logs")
	}
	return nil
}

// freshDatabase drops and creates database name on the server of base and
// returns its URL.
func freshDatabase(ctx context.Context, base, name string) (string, error) {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return "", err
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// describe says how big the seeded practice is.
func describe(ctx context.Context, pool *pgxpool.Pool) (string, error) {
	var clients, people, entries, tasks, items, invoices int
	err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM entities), (SELECT count(*) FROM members), (SELECT count(*) FROM time_entries),
		(SELECT count(*) FROM tasks), (SELECT count(*) FROM task_items), (SELECT count(*) FROM invoices)`).
		Scan(&clients, &people, &entries, &tasks, &items, &invoices)
	return fmt.Sprintf("%d clients, %d people, %d time entries, %d packs (%d checklist items), %d invoices from the billing run",
		clients, people, entries, tasks, items, invoices), err
}
