return ZoneLab.Cli.ZonelabMain.Run(args);
