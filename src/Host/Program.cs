Console.WriteLine("annsql");
