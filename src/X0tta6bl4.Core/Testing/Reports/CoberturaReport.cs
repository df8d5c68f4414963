using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;

namespace X0tta6bl4.Core.Testing.Reports;

/// <summary>
/// Cobertura XML as coverage.py, coverlet and Pester write it: totals from the root attributes (or counted
/// from the lines when a writer leaves them out), and a line-level merge of several reports so two test
/// projects measuring the same assembly are not counted twice. Streaming; malformed or truncated files throw
/// X0.ReportMalformed with the file and position.
/// </summary>
public static partial class CoberturaReport
{
    /// <summary>Reads the totals and checks the whole file is well-formed.</summary>
    public static CoverageSummary ReadSummary(string path)
    {
        using var r = ReportXml.Open(path);
        try
        {
            r.MoveToContent();
            if (r.NodeType != XmlNodeType.Element || r.LocalName != "coverage") throw ReportXml.Unrecognized(path, "Cobertura", r.LocalName);
            var linesCovered = ReportXml.Long(r.GetAttribute("lines-covered"));
            var linesValid = ReportXml.Long(r.GetAttribute("lines-valid"));
            var branchesCovered = ReportXml.Long(r.GetAttribute("branches-covered"));
            var branchesValid = ReportXml.Long(r.GetAttribute("branches-valid"));

            // Count class-level lines as well: needed when the writer left the totals out, and reading to the
            // end is what proves the file is complete.
            long countedValid = 0, countedCovered = 0, countedBranches = 0, countedBranchesCovered = 0;
            var inMethods = 0;
            while (r.Read())
            {
                if (r.NodeType == XmlNodeType.Element)
                {
                    if (r.LocalName == "methods" && !r.IsEmptyElement) inMethods++;
                    else if (r.LocalName == "line" && inMethods == 0)
                    {
                        countedValid++;
                        if ((ReportXml.Long(r.GetAttribute("hits")) ?? 0) > 0) countedCovered++;
                        var (bc, bt) = Condition(r.GetAttribute("condition-coverage"));
                        countedBranches += bt;
                        countedBranchesCovered += bc;
                    }
                }
                else if (r.NodeType == XmlNodeType.EndElement && r.LocalName == "methods")
                {
                    inMethods--;
                }
            }
            return linesValid is null || linesCovered is null
                ? new CoverageSummary(countedCovered, countedValid, countedBranchesCovered, countedBranches)
                : new CoverageSummary(linesCovered.Value, linesValid.Value, branchesCovered ?? 0, branchesValid ?? 0);
        }
        catch (XmlException ex)
        {
            throw ReportXml.Malformed(path, "Cobertura", ex);
        }
    }

    [GeneratedRegex(@"\((?<c>\d+)/(?<t>\d+)\)", RegexOptions.CultureInvariant)]
    private static partial Regex ConditionRegex();

    private static (long Covered, long Total) Condition(string? text)
    {
        if (string.IsNullOrEmpty(text)) return (0, 0);
        var m = ConditionRegex().Match(text);
        return m.Success ? (long.Parse(m.Groups["c"].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups["t"].Value, CultureInfo.InvariantCulture)) : (0, 0);
    }

    private sealed class LineData
    {
        public long Hits;
        public long BranchesCovered;
        public long BranchesTotal;
    }

    /// <summary>
    /// Merges reports line by line (a line is covered when any report covered it) and writes one Cobertura
    /// file whose sources root is <paramref name="root"/>. Returns the merged totals.
    /// </summary>
    public static CoverageSummary Merge(IReadOnlyList<string> reports, string root, string outputPath)
    {
        var files = new SortedDictionary<string, SortedDictionary<int, LineData>>(StringComparer.Ordinal);
        foreach (var report in reports)
        {
            ReadLines(report, files);
        }

        long lv = 0, lc = 0, bv = 0, bc = 0;
        foreach (var lines in files.Values)
        {
            foreach (var l in lines.Values)
            {
                lv++;
                if (l.Hits > 0) lc++;
                bv += l.BranchesTotal;
                bc += l.BranchesCovered;
            }
        }
        var summary = new CoverageSummary(lc, lv, bc, bv);

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);
        var settings = new XmlWriterSettings { Indent = true, Encoding = new System.Text.UTF8Encoding(false) };
        using var w = XmlWriter.Create(outputPath, settings);
        w.WriteStartDocument();
        w.WriteStartElement("coverage");
        w.WriteAttributeString("line-rate", Rate(lc, lv));
        w.WriteAttributeString("branch-rate", Rate(bc, bv));
        w.WriteAttributeString("lines-covered", lc.ToString(CultureInfo.InvariantCulture));
        w.WriteAttributeString("lines-valid", lv.ToString(CultureInfo.InvariantCulture));
        w.WriteAttributeString("branches-covered", bc.ToString(CultureInfo.InvariantCulture));
        w.WriteAttributeString("branches-valid", bv.ToString(CultureInfo.InvariantCulture));
        w.WriteAttributeString("complexity", "0");
        w.WriteAttributeString("version", "x0tta6bl4");
        w.WriteAttributeString("timestamp", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        w.WriteStartElement("sources");
        w.WriteElementString("source", Path.GetFullPath(root));
        w.WriteEndElement();
        w.WriteStartElement("packages");
        foreach (var package in files.GroupBy(f => PackageOf(f.Key, root)))
        {
            long plv = 0, plc = 0, pbv = 0, pbc = 0;
            foreach (var f in package)
            {
                foreach (var l in f.Value.Values) { plv++; if (l.Hits > 0) plc++; pbv += l.BranchesTotal; pbc += l.BranchesCovered; }
            }
            w.WriteStartElement("package");
            w.WriteAttributeString("name", package.Key);
            w.WriteAttributeString("line-rate", Rate(plc, plv));
            w.WriteAttributeString("branch-rate", Rate(pbc, pbv));
            w.WriteAttributeString("complexity", "0");
            w.WriteStartElement("classes");
            foreach (var (file, lines) in package)
            {
                long clv = lines.Count, clc = lines.Values.Count(l => l.Hits > 0);
                long cbv = lines.Values.Sum(l => l.BranchesTotal), cbc = lines.Values.Sum(l => l.BranchesCovered);
                var relative = Relative(file, root);
                w.WriteStartElement("class");
                w.WriteAttributeString("name", Path.GetFileName(file));
                w.WriteAttributeString("filename", relative);
                w.WriteAttributeString("line-rate", Rate(clc, clv));
                w.WriteAttributeString("branch-rate", Rate(cbc, cbv));
                w.WriteAttributeString("complexity", "0");
                w.WriteStartElement("methods");
                w.WriteEndElement();
                w.WriteStartElement("lines");
                foreach (var (number, l) in lines)
                {
                    w.WriteStartElement("line");
                    w.WriteAttributeString("number", number.ToString(CultureInfo.InvariantCulture));
                    w.WriteAttributeString("hits", l.Hits.ToString(CultureInfo.InvariantCulture));
                    if (l.BranchesTotal > 0)
                    {
                        w.WriteAttributeString("branch", "true");
                        var pct = (int)Math.Round(100.0 * l.BranchesCovered / l.BranchesTotal);
                        w.WriteAttributeString("condition-coverage", $"{pct}% ({l.BranchesCovered}/{l.BranchesTotal})");
                    }
                    else
                    {
                        w.WriteAttributeString("branch", "false");
                    }
                    w.WriteEndElement();
                }
                w.WriteEndElement();
                w.WriteEndElement();
            }
            w.WriteEndElement();
            w.WriteEndElement();
        }
        w.WriteEndElement();
        w.WriteEndElement();
        w.WriteEndDocument();
        return summary;
    }

    private static void ReadLines(string path, SortedDictionary<string, SortedDictionary<int, LineData>> files)
    {
        using var r = ReportXml.Open(path);
        try
        {
            var sources = new List<string>();
            string? currentFile = null;
            var inMethods = 0;
            while (r.Read())
            {
                if (r.NodeType == XmlNodeType.Element)
                {
                    switch (r.LocalName)
                    {
                        case "source":
                            if (!r.IsEmptyElement && r.Read() && r.NodeType is XmlNodeType.Text or XmlNodeType.CDATA && r.Value.Trim().Length > 0)
                            {
                                sources.Add(r.Value.Trim());
                            }
                            break;
                        case "class":
                            currentFile = Resolve(sources, r.GetAttribute("filename") ?? r.GetAttribute("name") ?? string.Empty, path);
                            break;
                        case "methods":
                            if (!r.IsEmptyElement) inMethods++;
                            break;
                        case "line" when inMethods == 0 && currentFile is not null:
                            var number = ReportXml.Int(r.GetAttribute("number"));
                            if (number is null) break;
                            if (!files.TryGetValue(currentFile, out var lines)) files[currentFile] = lines = new SortedDictionary<int, LineData>();
                            if (!lines.TryGetValue(number.Value, out var data)) lines[number.Value] = data = new LineData();
                            data.Hits += ReportXml.Long(r.GetAttribute("hits")) ?? 0;
                            var (bc, bt) = Condition(r.GetAttribute("condition-coverage"));
                            data.BranchesTotal = Math.Max(data.BranchesTotal, bt);
                            data.BranchesCovered = Math.Min(data.BranchesTotal, Math.Max(data.BranchesCovered, bc));
                            break;
                    }
                }
                else if (r.NodeType == XmlNodeType.EndElement)
                {
                    if (r.LocalName == "methods") inMethods--;
                    else if (r.LocalName == "class") currentFile = null;
                }
            }
        }
        catch (XmlException ex)
        {
            throw ReportXml.Malformed(path, "Cobertura", ex);
        }
    }

    private static string Resolve(List<string> sources, string filename, string reportPath)
    {
        filename = filename.Replace('\\', '/');
        if (Path.IsPathRooted(filename)) return Path.GetFullPath(filename);
        foreach (var s in sources)
        {
            var candidate = Path.GetFullPath(Path.Combine(s, filename));
            if (File.Exists(candidate)) return candidate;
        }
        var baseDir = sources.Count > 0 ? sources[0] : Path.GetDirectoryName(Path.GetFullPath(reportPath))!;
        return Path.GetFullPath(Path.Combine(baseDir, filename));
    }

    private static string Relative(string file, string root)
    {
        var rel = Path.GetRelativePath(Path.GetFullPath(root), file);
        return (rel.StartsWith("..", StringComparison.Ordinal) ? file : rel).Replace('\\', '/');
    }

    private static string PackageOf(string file, string root)
    {
        var dir = Path.GetDirectoryName(Relative(file, root).Replace('/', Path.DirectorySeparatorChar)) ?? string.Empty;
        return dir.Replace(Path.DirectorySeparatorChar, '.').Replace('/', '.');
    }

    private static string Rate(long covered, long valid) =>
        valid == 0 ? "1" : (covered / (double)valid).ToString("0.####", CultureInfo.InvariantCulture);
}
