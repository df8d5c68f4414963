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
            var linesCovered = ReportXml.Count(r.GetAttribute("lines-covered"));
            var linesValid = ReportXml.Count(r.GetAttribute("lines-valid"));
            var branchesCovered = ReportXml.Count(r.GetAttribute("branches-covered"));
            var branchesValid = ReportXml.Count(r.GetAttribute("branches-valid"));
            var lineRate = ReportXml.Rate(r.GetAttribute("line-rate"));
            var branchRate = ReportXml.Rate(r.GetAttribute("branch-rate"));

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
                        if ((ReportXml.Count(r.GetAttribute("hits")) ?? 0) > 0) countedCovered++;
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
            if (linesValid is not null && linesCovered is not null)
            {
                // Stated counts win, also a stated zero: a rate beside "0 of 0 lines" measures nothing.
                return new CoverageSummary(linesCovered.Value, linesValid.Value, branchesCovered ?? 0, branchesValid ?? 0);
            }
            if (countedValid > 0 || lineRate is null)
            {
                return new CoverageSummary(countedCovered, countedValid, countedBranchesCovered, countedBranches);
            }
            // No counts and no lines: a summary file. Its root rates are all it says.
            return new CoverageSummary(0, 0, 0, 0) { ReportedLineRate = lineRate, ReportedBranchRate = branchRate };
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
    /// One coverage figure for several reports (each already read with <see cref="ReadSummary"/>): one report is
    /// copied as it is; several are merged line by line. A summary-only report (root rates, no lines) cannot be
    /// merged, so the lowest figure among it and the merge is kept (a threshold never passes on a guess) and
    /// <paramref name="warn"/> says so. Writes <paramref name="outputPath"/> when given.
    /// </summary>
    public static CoverageSummary? Combine(IReadOnlyList<(string Path, CoverageSummary Summary)> reports, string root, string? outputPath, Action<string> warn)
    {
        if (reports.Count == 0) return null;
        if (reports.Count == 1)
        {
            if (outputPath is not null) CopyTo(reports[0].Path, outputPath);
            return reports[0].Summary;
        }
        var withLines = reports.Where(r => !r.Summary.RatesOnly).ToList();
        var ratesOnly = reports.Where(r => r.Summary.RatesOnly).ToList();
        CoverageSummary? merged = null;
        if (withLines.Count == 1) merged = withLines[0].Summary;
        else if (withLines.Count > 1)
        {
            var target = outputPath ?? Path.Combine(Path.GetTempPath(), $"x0-coverage-{Guid.NewGuid():N}.xml");
            merged = Merge(withLines.Select(r => r.Path).ToList(), root, target);
            if (outputPath is null) File.Delete(target);
        }
        if (withLines.Count == 1 && outputPath is not null) CopyTo(withLines[0].Path, outputPath);
        if (ratesOnly.Count == 0) return merged;

        var lowest = ratesOnly.OrderBy(r => r.Summary.ReportedLineRate).First();
        warn($"{string.Join(", ", ratesOnly.Select(r => r.Path))} hold only root rates (no line records), so they cannot be merged line by line with the other reports: the lowest line coverage of them all is used.");
        if (merged?.LinePercent is { } percent && percent <= lowest.Summary.LinePercent) return merged;
        if (withLines.Count == 0 && outputPath is not null) CopyTo(lowest.Path, outputPath);
        return lowest.Summary;
    }

    private static void CopyTo(string from, string to)
    {
        if (string.Equals(Path.GetFullPath(from), Path.GetFullPath(to), StringComparison.Ordinal)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(to))!);
        File.Copy(from, to, overwrite: true);
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
                            data.Hits += ReportXml.Count(r.GetAttribute("hits")) ?? 0;
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
