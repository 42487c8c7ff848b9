window.YTD.account.part0 = [
  {
    "account" : {
      "email" : "lea@example.fr",
      "createdVia" : "web",
      "username" : "lea_m",
      "accountId" : "1001",
      "createdAt" : "2012-05-14T09:12:44.000Z",
      "accountDisplayName" : "Léa Martin ☕"
    }
  }
]
