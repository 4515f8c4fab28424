package metrics

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SlackTransport wraps next (http.DefaultTransport when nil) to count every
// request to Slack's Web API by method and status, 429s apart, and time it.
func SlackTransport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return slackTransport{next: next}
}

type slackTransport struct{ next http.RoundTripper }

func (t slackTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	method := SlackMethod(req.URL.Path)
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	SlackAPIDuration.WithLabelValues(method).Observe(time.Since(start).Seconds())
	code := "error"
	if err == nil {
		code = strconv.Itoa(resp.StatusCode)
		if resp.StatusCode == http.StatusTooManyRequests {
			SlackAPIRateLimited.WithLabelValues(method).Inc()
		}
	}
	SlackAPICalls.WithLabelValues(method, code).Inc()
	return resp, err
}

// SlackMethod is the Web API method a request path calls — the segment
// after "/api/", such as "chat.postMessage" — or "other" for any other path
// (a file's upload URL, a response_url), which would carry ids.
func SlackMethod(path string) string {
	i := strings.LastIndex(path, "/api/")
	if i < 0 {
		return "other"
	}
	m := path[i+len("/api/"):]
	if m == "" || len(m) > 64 || !strings.Contains(m, ".") {
		return "other"
	}
	for _, r := range m {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '.' || r == '_') {
			return "other"
		}
	}
	return m
}
