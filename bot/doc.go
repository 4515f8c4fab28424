// Package bot wires Atlas's Slack face together and does nothing else: the
// kernel (bot/slackapp) routes every request, and each feature package
// under bot/ registers its own commands, buttons, forms and views:
//
//	bot/timetrack  /log, /timer, /timesheet, the forgotten-timer reminder
//	bot/tasks      /tasks, the task window, review, delivery, overdue alerts
//	bot/templates  /atlas templates, /atlas assign, /atlas assignments
//	bot/board      /board
//	bot/home       the App Home tab and its calendar
//	bot/admin      /atlas setup, settings, team, clients, services, rates
//
// Features import the kernel, bot/ui and bot/blockkit, and internal/
// packages, never each other; nothing under internal/ imports bot.
package bot
