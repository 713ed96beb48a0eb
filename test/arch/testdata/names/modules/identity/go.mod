module github.com/zebralabs/zebra/modules/identity

go 1.26
