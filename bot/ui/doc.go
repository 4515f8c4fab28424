// Package ui is what several features of the Slack face draw alike: the
// action ids one feature draws and another handles, a task's status as a
// colour and words, time entries and timers as one line, money and hours
// as people write them; and fetching a file from Slack within a cap
// (FetchFile), for the features that keep files shared there. It holds
// no handler and imports no feature.
package ui
