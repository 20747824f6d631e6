namespace ZoneLab.Layout; internal static class Placeholder { }
