package slackapp

import (
	"net/http"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/internal/metrics"
)

// NewClient builds the Slack Web API client Atlas uses: it waits out an
// HTTP 429 for as long as Slack's Retry-After says and tries again (up to
// three times), talks to apiURL when set (a local Slack, a test), and counts
// every call by method and status (metrics.SlackTransport).
func NewClient(botToken, appToken, apiURL string) *slack.Client {
	retry := slack.DefaultRetryConfig()
	retry.MaxRetries = 3
	// Used only when a 429 comes without a usable Retry-After.
	retry.RetryAfterDuration = 5 * time.Second
	// The retry wrapper goes on the client it is given, so OptionHTTPClient
	// comes first; each attempt, 429s included, passes the transport.
	opts := []slack.Option{
		slack.OptionHTTPClient(&http.Client{Transport: metrics.SlackTransport(nil)}),
		slack.OptionRetryConfig(retry),
	}
	if appToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(appToken))
	}
	if apiURL != "" {
		opts = append(opts, slack.OptionAPIURL(apiURL))
	}
	return slack.New(botToken, opts...)
}
