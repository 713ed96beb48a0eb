module github.com/zebralabs/zebra/test

go 1.26

replace github.com/zebralabs/zebra/platform => ../platform

replace github.com/zebralabs/zebra/schema => ../schema

replace github.com/zebralabs/zebra/modules/audit => ../modules/audit

replace github.com/zebralabs/zebra/modules/identity => ../modules/identity

replace github.com/zebralabs/zebra/modules/activities => ../modules/activities

replace github.com/zebralabs/zebra/app => ../app
