package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// health asks the local server's /healthz, for container health checks
// where there is no curl.
func health(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "health", "", "Asks the running server's /healthz (at HTTP_ADDR) and exits 0 when it\n"+
		"answers 200, 1 otherwise. For container HEALTHCHECKs.")
	if code := parse(fs, args); code >= 0 {
		return code
	}
	addr := e.getenv("HTTP_ADDR")
	if addr == "" {
		addr = ":8080"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		fmt.Fprintln(e.stderr, "atlasbot: config: HTTP_ADDR: expected host:port such as :8080")
		return exitConfig
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(e.stderr, "unhealthy:", err)
		return exitFail
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(e.stderr, "unhealthy: /healthz answered", resp.Status)
		return exitFail
	}
	fmt.Fprintln(e.stdout, "healthy")
	return exitOK
}
