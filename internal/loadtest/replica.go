package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Replica is one atlasbot process.
type Replica struct {
	N    int
	Addr string // its HTTP address: /readyz, /metrics, the portal
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	log  *os.File
	// LogPath is the file the process logs to.
	LogPath string
}

// ReplicaEnv is what every replica is started with.
type ReplicaEnv struct {
	Binary      string // bin/atlasbot
	DatabaseURL string
	SlackAPIURL string
	Admins      string
	Portal      string // PORTAL_SECRET; empty turns the portal off
	LogDir      string // each replica logs to LogDir/replica-N.log
	// Extra is further NAME=value settings, after (and so overriding) the
	// ones above.
	Extra []string
}

// ApplicationName is what replica n calls itself to PostgreSQL, so its
// sessions can be told apart in pg_stat_activity.
func ApplicationName(n int) string { return fmt.Sprintf("atlas-replica-%d", n) }

// StartReplica starts replica n of `atlasbot serve` and waits until its
// /readyz answers 200.
func StartReplica(ctx context.Context, n int, e ReplicaEnv) (*Replica, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(e.LogDir, fmt.Sprintf("replica-%d.log", n)))
	if err != nil {
		return nil, err
	}
	r := &Replica{N: n, Addr: addr, done: make(chan struct{}), log: logFile, LogPath: logFile.Name()}
	dbURL, err := url.Parse(e.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("replica %d: database URL: %w", n, err)
	}
	q := dbURL.Query()
	q.Set("application_name", ApplicationName(n))
	dbURL.RawQuery = q.Encode()
	r.cmd = exec.Command(e.Binary, "serve")
	r.cmd.Env = append(os.Environ(),
		"DATABASE_URL="+dbURL.String(),
		"SLACK_MODE=socket",
		"SLACK_BOT_TOKEN=xoxb-load-token",
		"SLACK_APP_TOKEN=xapp-1-load-token",
		"SLACK_API_URL="+e.SlackAPIURL,
		"HTTP_ADDR="+addr,
		"LOG_LEVEL=warn",
		"LOG_FORMAT=json",
		"ATLAS_ADMINS="+e.Admins,
		"PORTAL_URL=http://"+addr,
		"PORTAL_SECRET="+e.Portal,
		"SMTP_HOST=",
		"SHUTDOWN_TIMEOUT=10s",
	)
	r.cmd.Env = append(r.cmd.Env, e.Extra...)
	r.cmd.Stdout, r.cmd.Stderr = logFile, logFile
	if err := r.cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start replica %d: %w", n, err)
	}
	go func() {
		r.err = r.cmd.Wait()
		logFile.Close()
		close(r.done)
	}()
	if err := r.waitReady(ctx); err != nil {
		r.Kill()
		return nil, err
	}
	return r, nil
}

// waitReady asks /readyz until it answers 200, the process exits or ctx
// ends. Asking again after a failed request is how a start is awaited
// from outside a process: there is nothing to be told by.
func (r *Replica) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+r.Addr+"/readyz", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-r.done:
			return fmt.Errorf("replica %d exited before it was ready: %v (see its log)", r.N, r.err)
		case <-ctx.Done():
			return fmt.Errorf("replica %d not ready: %w", r.N, ctx.Err())
		case <-tick.C:
		}
	}
}

// Pid is the process id.
func (r *Replica) Pid() int { return r.cmd.Process.Pid }

// Kill ends the process at once (SIGKILL), as a crash or an OOM kill would.
func (r *Replica) Kill() {
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.done
}

// Exited is closed once the process has exited.
func (r *Replica) Exited() <-chan struct{} { return r.done }

// Err is how the process exited; read it after Exited is closed.
func (r *Replica) Err() error { return r.err }

// Signal sends the process sig without waiting.
func (r *Replica) Signal(sig os.Signal) error { return r.cmd.Process.Signal(sig) }

// Stop asks the process to stop (SIGTERM) and waits for it; the error is
// its exit status.
func (r *Replica) Stop() error {
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	<-r.done
	if r.err != nil {
		return fmt.Errorf("replica %d: %w", r.N, r.err)
	}
	return nil
}

// PeakRSS is the process's high-water resident set size, in bytes, read
// from /proc (VmHWM); 0 where /proc does not say.
func (r *Replica) PeakRSS() int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", r.Pid()))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// Metrics reads the replica's /metrics and sums each metric's samples
// over their labels: name → total.
func (r *Replica) Metrics(ctx context.Context) (map[string]float64, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+r.Addr+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return sumMetrics(resp.Body)
}

// sumMetrics reads Prometheus's text format, adding up each name's samples.
func sumMetrics(r io.Reader) (map[string]float64, error) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest, _ := strings.Cut(line, " ")
		if i := strings.IndexByte(line, '{'); i >= 0 {
			name, rest = line[:i], line[strings.LastIndexByte(line, '}')+1:]
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			continue
		}
		out[name] += v
	}
	return out, sc.Err()
}

// freeAddr finds a free local TCP address for a replica to listen on.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Scrape sums the replicas' metrics; a replica that cannot be read adds
// nothing.
func Scrape(ctx context.Context, replicas []*Replica) map[string]float64 {
	out := map[string]float64{}
	for _, r := range replicas {
		m, err := r.Metrics(ctx)
		if err != nil {
			continue
		}
		for k, v := range m {
			out[k] += v
		}
	}
	return out
}
