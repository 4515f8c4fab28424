// Package server is Atlas's HTTP face: the chi router with health, readiness
// and Prometheus metrics, request logging and panic recovery, onto which the
// Slack request URLs are mounted in HTTP mode.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/atlas-practice/atlas/internal/metrics"
)

// ReadyFunc reports whether Atlas can do its work (database reachable,
// schema current); a non-nil error makes /readyz answer 503 with it.
type ReadyFunc func(ctx context.Context) error

// Server is the HTTP server.
type Server struct {
	Router   chi.Router
	Registry *prometheus.Registry
	log      *slog.Logger
	http     *http.Server
	ln       net.Listener
	// stopping is set once shutdown begins: /readyz answers 503 from then
	// on, so a load balancer stops sending work while the rest drains.
	stopping *atomic.Bool
}

// New builds the router. Mount more routes on Router before Start.
func New(log *slog.Logger, ready ReadyFunc) *Server {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "atlas_http_requests_total",
		Help: "HTTP requests served, by route pattern and status code.",
	}, []string{"route", "code"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "atlas_http_request_duration_seconds",
		Help:    "Time to serve HTTP requests, by route pattern.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route"})
	reg.MustRegister(requests, duration)
	metrics.Register(reg)
	stopping := new(atomic.Bool)

	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	// Observe outside recovery, so a request that panicked is logged and
	// counted with the 500 it got.
	r.Use(observe(log, requests, duration))
	r.Use(recoverer(log))

	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	r.Get("/readyz", func(w http.ResponseWriter, req *http.Request) {
		ctx, cancel := context.WithTimeout(req.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if stopping.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready: shutting down\n"))
			return
		}
		if err := ready(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = fmt.Fprintf(w, "not ready: %v\n", err)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	r.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return &Server{Router: r, Registry: reg, log: log, stopping: stopping}
}

// BeginShutdown makes /readyz answer 503 from now on, while everything
// else is still served: the first step of shutting down, before draining.
func (s *Server) BeginShutdown() { s.stopping.Store(true) }

// Listen binds addr; Addr then tells the bound address (useful with ":0").
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	s.ln = ln
	s.http = &http.Server{
		Handler:           s.Router,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	return nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve serves until Shutdown; it returns nil after a clean shutdown.
func (s *Server) Serve() error {
	if err := s.http.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops taking new connections and waits for requests in flight
// until ctx ends, then closes what is left.
func (s *Server) Shutdown(ctx context.Context) error {
	s.BeginShutdown()
	if s.http == nil {
		return nil
	}
	err := s.http.Shutdown(ctx)
	if err != nil {
		_ = s.http.Close()
	}
	return err
}

// recoverer turns a panic into a 500 and a logged stack, so one bad request
// never takes the process down.
func recoverer(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if p := recover(); p != nil {
					if p == http.ErrAbortHandler {
						panic(p)
					}
					ref := middleware.GetReqID(r.Context())
					log.Error("panic serving request", "ref", ref, "method", r.Method, "path", r.URL.Path,
						"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
					http.Error(w, "internal error, reference "+ref, http.StatusInternalServerError)
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

func observe(log *slog.Logger, requests *prometheus.CounterVec, duration *prometheus.HistogramVec) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r)
			route := chi.RouteContext(r.Context()).RoutePattern()
			if route == "" {
				route = "unmatched"
			}
			status := ww.Status()
			if status == 0 {
				status = http.StatusOK
			}
			took := time.Since(start)
			requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
			duration.WithLabelValues(route).Observe(took.Seconds())
			level := slog.LevelDebug // health checks and scrapes would drown the log
			if route != "/healthz" && route != "/readyz" && route != "/metrics" {
				level = slog.LevelInfo
			}
			log.Log(r.Context(), level, "http request", "method", r.Method, "route", route,
				"status", status, "bytes", ww.BytesWritten(), "took", took, "req_id", middleware.GetReqID(r.Context()))
		})
	}
}
