module github.com/zebralabs/zebra/platform

go 1.26
