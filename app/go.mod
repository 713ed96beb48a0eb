module github.com/zebralabs/zebra/app

go 1.26

require github.com/zebralabs/zebra/platform v0.0.0 // indirect

replace github.com/zebralabs/zebra/platform => ../platform

require github.com/zebralabs/zebra/schema v0.0.0 // indirect

replace github.com/zebralabs/zebra/schema => ../schema

require github.com/zebralabs/zebra/modules/audit v0.0.0

replace github.com/zebralabs/zebra/modules/audit => ../modules/audit

require github.com/zebralabs/zebra/modules/identity v0.0.0

replace github.com/zebralabs/zebra/modules/identity => ../modules/identity

require (
	github.com/zebralabs/zebra/modules/activities v0.0.0
	go.uber.org/fx v1.24.0
)

require (
	go.uber.org/dig v1.19.0 // indirect
	go.uber.org/multierr v1.10.0 // indirect
	go.uber.org/zap v1.26.0 // indirect
	golang.org/x/sys v0.41.0 // indirect
)

replace github.com/zebralabs/zebra/modules/activities => ../modules/activities
