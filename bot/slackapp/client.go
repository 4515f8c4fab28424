package slackapp

import (
	"time"

	"github.com/slack-go/slack"
)

// NewClient builds the Slack Web API client Atlas uses: it waits out an
// HTTP 429 for as long as Slack's Retry-After says and tries again (up to
// three times), and talks to apiURL when set (a local Slack, a test).
func NewClient(botToken, appToken, apiURL string) *slack.Client {
	retry := slack.DefaultRetryConfig()
	retry.MaxRetries = 3
	// Used only when a 429 comes without a usable Retry-After.
	retry.RetryAfterDuration = 5 * time.Second
	opts := []slack.Option{slack.OptionRetryConfig(retry)}
	if appToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(appToken))
	}
	if apiURL != "" {
		opts = append(opts, slack.OptionAPIURL(apiURL))
	}
	return slack.New(botToken, opts...)
}
