window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [ "1764565190046646272" ],
          "editableUntil" : "2024-03-04T09:15:00.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"http://twitter.com/download/iphone\" rel=\"nofollow\">Twitter for iPhone</a>",
      "entities" : {
        "hashtags" : [ { "text" : "Cafélia", "indices" : [ "48", "56" ] }, { "text" : "arnaque", "indices" : [ "57", "65" ] } ],
        "symbols" : [ ],
        "user_mentions" : [ { "name" : "Cafélia France", "screen_name" : "cafelia_fr", "indices" : [ "20", "31" ], "id_str" : "2002", "id" : "2002" } ],
        "urls" : [ { "url" : "https://t.co/AbCdEf1234", "expanded_url" : "https://cafelia.fr/aide/commande", "display_url" : "cafelia.fr/aide/commande", "indices" : [ "66", "89" ] } ]
      },
      "display_text_range" : [ "0", "89" ],
      "favorite_count" : "148",
      "id_str" : "1764565190046646272",
      "truncated" : false,
      "retweet_count" : "31",
      "id" : "1764565190046646272",
      "created_at" : "Mon Mar 04 08:15:00 +0000 2024",
      "favorited" : false,
      "full_text" : "Encore une commande @cafelia_fr jamais livrée 😡 #Cafélia #arnaque https://t.co/AbCdEf1234",
      "lang" : "fr"
    }
  },
  {
    "tweet" : {
      "retweeted" : false,
      "entities" : { "hashtags" : [ ], "symbols" : [ ], "user_mentions" : [ { "name" : "Cafélia France", "screen_name" : "cafelia_fr", "indices" : [ "0", "11" ], "id_str" : "2002", "id" : "2002" } ], "urls" : [ ] },
      "favorite_count" : "3",
      "in_reply_to_status_id_str" : "1764566578361270273",
      "id_str" : "1764570000000000000",
      "in_reply_to_user_id" : "2002",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1764570000000000000",
      "in_reply_to_status_id" : "1764566578361270273",
      "created_at" : "Mon Mar 04 08:34:07 +0000 2024",
      "full_text" : "@cafelia_fr C'est fait. Commande n° 48213 &amp; toujours rien &gt;:(",
      "lang" : "fr",
      "in_reply_to_screen_name" : "cafelia_fr",
      "in_reply_to_user_id_str" : "2002"
    }
  },
  {
    "tweet" : {
      "retweeted" : false,
      "entities" : { "hashtags" : [ ], "symbols" : [ ], "user_mentions" : [ { "name" : "Sam", "screen_name" : "sam_drinks", "indices" : [ "3", "14" ], "id_str" : "3003", "id" : "3003" } ], "urls" : [ ] },
      "favorite_count" : "0",
      "id_str" : "1764590000000000000",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1764590000000000000",
      "created_at" : "Mon Mar 04 09:53:30 +0000 2024",
      "full_text" : "RT @sam_drinks: Same here, @cafelia_fr never refunded me either.",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "retweeted" : false,
      "entities" : { "hashtags" : [ ], "symbols" : [ ], "user_mentions" : [ ], "urls" : [ { "url" : "https://t.co/QuOtE99999", "expanded_url" : "https://twitter.com/cafelia_fr/status/1764566578361270273", "display_url" : "twitter.com/cafelia_fr/st…", "indices" : [ "30", "53" ] } ] },
      "favorite_count" : "5",
      "id_str" : "1764600000000000000",
      "truncated" : false,
      "retweet_count" : "1",
      "id" : "1764600000000000000",
      "created_at" : "Mon Mar 04 10:33:14 +0000 2024",
      "full_text" : "Des excuses, pas des actes 🙄 https://t.co/QuOtE99999",
      "lang" : "fr"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "edit" : {
          "initialTweetId" : "1764591614161846276",
          "editControlInitial" : {
            "editTweetIds" : [ "1764591614161846276", "1764592671126454277" ],
            "editableUntil" : "2024-03-04T11:00:00.000Z",
            "editsRemaining" : "4",
            "isEditEligible" : true
          }
        }
      },
      "retweeted" : false,
      "entities" : { "hashtags" : [ ], "symbols" : [ ], "user_mentions" : [ ], "urls" : [ ] },
      "favorite_count" : "40",
      "id_str" : "1764592671126454277",
      "truncated" : false,
      "retweet_count" : "4",
      "id" : "1764592671126454277",
      "created_at" : "Mon Mar 04 10:04:12 +0000 2024",
      "full_text" : "MISE À JOUR : Cafélia m'a enfin répondu, remboursement promis sous 48 h. On verra.",
      "lang" : "fr"
    }
  },
  {
    "tweet" : {
      "id_str" : "1764610000000000000",
      "created_at" : "lundi 4 mars 2024",
      "full_text" : "date illisible",
      "favorite_count" : "0",
      "retweet_count" : "0"
    }
  },
  {
    "tweet" : {
      "id_str" : "1764620000000000000",
      "created_at" : "Mon Mar 04 12:00:00 +0000 2024",
      "favorite_count" : "0"
    }
  },
  "not a tweet"
]
