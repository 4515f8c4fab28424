package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/riverqueue/river"
	"github.com/slack-go/slack/socketmode"

	"github.com/atlas-practice/atlas/bot"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/buildinfo"
	"github.com/atlas-practice/atlas/internal/config"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/delivery"
	"github.com/atlas-practice/atlas/internal/inbox"
	"github.com/atlas-practice/atlas/internal/jobs"
	"github.com/atlas-practice/atlas/internal/logging"
	"github.com/atlas-practice/atlas/internal/mail"
	"github.com/atlas-practice/atlas/internal/metrics"
	"github.com/atlas-practice/atlas/internal/portal"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/server"
)

func serve(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "serve", "", "Migrates the database, then serves Slack (Socket Mode or HTTP, per SLACK_MODE),\n"+
		"the HTTP endpoints (/healthz, /readyz, /metrics) and background jobs until\n"+
		"SIGINT or SIGTERM, when it stops taking work and drains what is in flight\n"+
		"within SHUTDOWN_TIMEOUT. Configuration: see `atlasbot config check`.")
	if code := parse(fs, args); code >= 0 {
		return code
	}
	cfg, ok := loadConfig(e)
	if !ok {
		return exitConfig
	}
	log := logging.New(e.stderr, logging.Options{Level: cfg.LogLevel, Format: cfg.LogFormat, Secrets: cfg.Secrets()})
	slog.SetDefault(log)
	tuneGC(e.getenv)
	if err := runServer(ctx, cfg, log, nil); err != nil {
		log.Error("atlasbot stopped with an error", "err", err)
		return exitFail
	}
	return exitOK
}

// gcPercent is the garbage collector's target (GOGC) when the environment
// sets none. Atlas keeps a few megabytes live, so Go's default of 100
// (collect each time the heap doubles) collects every few megabytes
// allocated: under the load test, a cycle every 50 ms, whose mark assists
// stalled the socket reader and put 20–30 ms on a burst's acknowledgements.
// At 400 a replica collects half as often.
const gcPercent = 400

// memoryLimit is the soft limit on the Go runtime's memory (GOMEMLIMIT)
// when the environment sets none. GOGC=400 lets the heap grow to five
// times what is live; with 20–30 MB live under the load test, a replica
// grew past 200 MB. Near the limit the collector runs sooner, so a replica
// keeps the rare collections of a high GOGC and stays near the limit.
const memoryLimit = 128 << 20

// tuneGC sets gcPercent unless GOGC is set, and memoryLimit unless
// GOMEMLIMIT is set (the runtime has read them then).
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}

// serverHooks lets the playground learn the bound address.
type serverHooks struct {
	socketOptions []socketmode.Option
	started       func(httpAddr string)
	// inbox, when set, is told the smart inbox's SMTP address once it
	// listens (the playground prints it).
	inbox func(smtpAddr string)
}

// runServer runs Atlas until ctx ends, then shuts down in order: stop taking
// requests, let handlers and jobs in flight finish, close the database.
func runServer(ctx context.Context, cfg config.Config, log *slog.Logger, hooks *serverHooks) error {
	build := buildinfo.Read()
	log.Info("atlasbot starting", "mode", cfg.SlackMode, "http_addr", cfg.HTTPAddr,
		"version", build.Version, "revision", build.Revision, "go", build.GoVersion)
	pool, err := db.Open(ctx, cfg.DatabaseURL.Reveal())
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := db.Migrate(ctx, pool, log); err != nil {
		return err
	}

	api := slackapp.NewClient(cfg.SlackBotToken.Reveal(), cfg.SlackAppToken.Reveal(), cfg.SlackAPIURL)
	router := bot.NewRouter(log, api, pool, cfg.BootstrapAdmins)
	router.CommandBudget = cfg.CommandAck
	deps := bot.NewDeps(pool)
	services := practice.NewServiceCache(deps.Practice, log)
	deps.Services = services
	deps.Portal = bot.Portal{URL: cfg.PortalURL, Secret: []byte(cfg.PortalSecret.Reveal())}
	deps.InboxDomains = cfg.InboxDomains
	bot.Register(router, deps)

	registry := jobs.NewRegistry()
	if err := bot.RegisterJobs(registry, atlas.SystemClock{}, log, deps.Portal); err != nil {
		return err
	}
	mailer, err := newMailer(cfg.SMTP)
	if err != nil {
		return err
	}
	workers := river.NewWorkers()
	if err := bot.AddWorkers(workers, router, pool, mailer, log, bot.WorkerOptions{PortalURL: cfg.PortalURL, PortalSecret: []byte(cfg.PortalSecret.Reveal())}); err != nil {
		return err
	}
	signer := portal.Signer{Secret: deps.Portal.Secret}
	if cfg.PortalSecret != "" {
		if err := portal.AddWorkers(workers, portal.MailDeps{Pool: pool, Mail: mailer, Signer: signer, BaseURL: cfg.PortalURL, Log: log}); err != nil {
			return err
		}
	}
	tick := jobs.DefaultTick // on the minute
	if cfg.JobsTick != time.Minute {
		tick = "@every " + cfg.JobsTick.String()
	}
	engine, err := jobs.New(pool, log, jobs.Options{Registry: registry, Workers: workers, Queues: bot.Queues(),
		Tick: tick, RescueAfter: cfg.JobsRescueAfter})
	if err != nil {
		return err
	}

	srv := server.New(log, db.ReadyCheck(pool))
	srv.Registry.MustRegister(metrics.NewPoolCollector(pool))
	if cfg.SlackMode == config.ModeHTTP {
		slackapp.NewHTTPMode(router, cfg.SlackSigningSecret.Reveal(), log).Mount(srv.Router)
	}
	if cfg.PortalSecret != "" {
		portal.New(portal.Deps{DB: pool, Signer: signer, Clock: router.Clock, Log: log}).Mount(srv.Router)
	}
	if err := srv.Listen(cfg.HTTPAddr); err != nil {
		return err
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve() }()
	cacheCtx, stopCache := context.WithCancel(context.WithoutCancel(ctx))
	defer stopCache()
	go services.Run(cacheCtx, pool)
	log.Info("http server listening", "addr", srv.Addr())

	inboxErr := make(chan error, 1)
	inboxCtx, stopInbox := context.WithCancel(context.WithoutCancel(ctx))
	defer stopInbox()
	if cfg.InboxAddr != "" {
		in := inbox.New(inbox.Deps{DB: pool, Clock: router.Clock, Log: log, Domains: cfg.InboxDomains})
		l, err := in.Listen(ctx, cfg.InboxAddr)
		if err != nil {
			_ = srv.Shutdown(context.Background())
			return fmt.Errorf("smart inbox: %w", err)
		}
		go func() { inboxErr <- in.Serve(inboxCtx, l) }()
		log.Info("inbox listening", "addr", l.Addr().String(), "domains", cfg.InboxDomains)
		if hooks != nil && hooks.inbox != nil {
			hooks.inbox(l.Addr().String())
		}
	}

	// Not ctx: cancelling River's start context cancels running jobs at once;
	// shutdown stops it gracefully instead.
	if err := engine.Start(context.WithoutCancel(ctx)); err != nil {
		_ = srv.Shutdown(context.Background())
		return fmt.Errorf("start jobs: %w", err)
	}

	socketCtx, stopSocket := context.WithCancel(context.WithoutCancel(ctx))
	socketErr := make(chan error, 1)
	if cfg.SlackMode == config.ModeSocket {
		var opts []socketmode.Option
		if hooks != nil {
			opts = hooks.socketOptions
		}
		go func() { socketErr <- slackapp.NewSocketMode(api, router, log, opts...).Run(socketCtx) }()
	}
	if hooks != nil && hooks.started != nil {
		hooks.started(srv.Addr())
	}
	log.Info("atlasbot ready")

	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	case err := <-serveErr:
		runErr = fmt.Errorf("http server: %w", err)
	case err := <-socketErr:
		runErr = err
	case err := <-inboxErr:
		runErr = fmt.Errorf("smart inbox: %w", err)
	}
	return errors.Join(runErr, shutdown(cfg.ShutdownTimeout, log, srv, stopSocket, socketErr, cfg.SlackMode == config.ModeSocket, router, engine))
}

// shutdown stops Atlas in order. /readyz answers 503 from its first step.
// In Socket Mode the HTTP server carries no Slack work, so it keeps serving
// (/readyz's 503, /metrics) until handlers and jobs have drained; in HTTP
// mode it stops first, since Slack's requests come through it.
func shutdown(timeout time.Duration, log *slog.Logger, srv *server.Server, stopSocket context.CancelFunc, socketErr <-chan error,
	socket bool, router *slackapp.Router, engine *jobs.Engine) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	// Not ready from now on: a load balancer stops sending work at once.
	srv.BeginShutdown()
	// New work stops first: no more envelopes, and in HTTP mode no more
	// HTTP requests.
	stopSocket()
	var errs []error
	if !socket {
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		}
	}
	// The socket transport returns once every envelope it took is
	// acknowledged, so nothing is added to the router after Drain starts.
	if socket {
		select {
		case <-socketErr:
		case <-ctx.Done():
			errs = append(errs, errors.New("socket mode did not stop in time"))
		}
	}
	// Then work in flight finishes: handlers past their ack, running jobs.
	if err := router.Drain(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := engine.Stop(ctx); err != nil {
		errs = append(errs, fmt.Errorf("jobs shutdown: %w", err))
	}
	if socket {
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		}
	}
	log.Info("stopped", "took", time.Since(start).Round(time.Millisecond))
	return errors.Join(errs...)
}

// newMailer is the mail server invoices go through; without SMTP_HOST,
// one that refuses every message, so an invoice sent anyway goes back to
// approved and its partner is told email is off.
func newMailer(cfg config.SMTP) (delivery.Mailer, error) {
	if cfg.Host == "" {
		return noMail{}, nil
	}
	return mail.NewSender(cfg)
}

// noMail is email turned off.
type noMail struct{}

func (noMail) Send(context.Context, mail.Message) error {
	return &mail.Error{Permanent: true, Reason: "Email is off: SMTP_HOST is not set, so Atlas has no mail server to send through."}
}
