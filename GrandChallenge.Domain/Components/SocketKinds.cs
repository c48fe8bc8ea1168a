namespace GrandChallenge.Domain.Components;

/// <summary>Every socket kind grand-challenge.org knows, by code (reference table 2.2).</summary>
public static class SocketKinds
{
    public const string String = "STR";
    public const string Integer = "INT";
    public const string Float = "FLT";
    public const string Bool = "BOOL";
    public const string AnyJson = "JSON";
    public const string Chart = "CHART";
    public const string BoundingBox2D = "2DBB";
    public const string MultipleBoundingBoxes2D = "M2DB";
    public const string Distance = "DIST";
    public const string MultipleDistances = "MDIS";
    public const string Point = "POIN";
    public const string MultiplePoints = "MPOI";
    public const string Polygon = "POLY";
    public const string MultiplePolygons = "MPOL";
    public const string Line = "LINE";
    public const string MultipleLines = "MLIN";
    public const string Angle = "ANGL";
    public const string MultipleAngles = "MANG";
    public const string Ellipse = "ELLI";
    public const string MultipleEllipses = "MELL";
    public const string ThreePointAngle = "3ANG";
    public const string MultipleThreePointAngles = "M3AN";
    public const string AffineTransform = "ATRG";
    public const string Choice = "CHOI";
    public const string MultipleChoice = "MCHO";

    public const string Image = "IMG";
    public const string Segmentation = "SEG";
    public const string HeatMap = "HMAP";
    public const string DisplacementField = "DSPF";
    public const string DicomImageSet = "DCMIS";

    public const string Pdf = "PDF";
    public const string Sqreg = "SQREG";
    public const string Jpeg = "JPEG";
    public const string Png = "PNG";
    public const string Obj = "OBJ";
    public const string Mp4 = "MP4";
    public const string Newick = "NEWCK";
    public const string Biom = "BIOM";
    public const string Csv = "CSV";
    public const string Zip = "ZIP";

    private static readonly string[] JsonUpload = [".json"];

    public static readonly IReadOnlyList<SocketKind> All =
    [
        Json(String, "String"),
        Json(Integer, "Integer"),
        Json(Float, "Float"),
        Json(Bool, "Bool"),
        Json(AnyJson, "Anything"),
        Json(Chart, "Chart"),
        Json(BoundingBox2D, "2D bounding box"),
        // The "multiple" annotation kinds can grow large: new sockets of these kinds keep values as files.
        Json(MultipleBoundingBoxes2D, "Multiple 2D bounding boxes", mayStoreInDatabase: false),
        Json(Distance, "Distance measurement"),
        Json(MultipleDistances, "Multiple distance measurements", mayStoreInDatabase: false),
        Json(Point, "Point"),
        Json(MultiplePoints, "Multiple points", mayStoreInDatabase: false),
        Json(Polygon, "Polygon"),
        Json(MultiplePolygons, "Multiple polygons", mayStoreInDatabase: false),
        Json(Line, "Line"),
        Json(MultipleLines, "Multiple lines", mayStoreInDatabase: false),
        Json(Angle, "Angle"),
        Json(MultipleAngles, "Multiple angles", mayStoreInDatabase: false),
        Json(Ellipse, "Ellipse"),
        Json(MultipleEllipses, "Multiple ellipses", mayStoreInDatabase: false),
        Json(ThreePointAngle, "Three-point angle"),
        Json(MultipleThreePointAngles, "Multiple three-point angles", mayStoreInDatabase: false),
        Json(AffineTransform, "Affine transform registration"),
        Json(Choice, "Choice"),
        Json(MultipleChoice, "Multiple choice"),

        ImageKind(Image, "Image"),
        ImageKind(Segmentation, "Segmentation"),
        ImageKind(HeatMap, "Heat Map"),
        ImageKind(DisplacementField, "Displacement field"),
        ImageKind(DicomImageSet, "DICOM Image Set",
            "DICOM image sets are not supported yet: they need the DICOM import of the images feature. Use an Image socket for DICOM series, which are converted on import."),

        FileKind(Pdf, "PDF file", ".pdf"),
        FileKind(Sqreg, "SQREG file", ".sqreg"),
        FileKind(Jpeg, "Thumbnail jpg", ".jpeg", ".jpg"),
        FileKind(Png, "Thumbnail png", ".png"),
        FileKind(Obj, "OBJ file", ".obj"),
        FileKind(Mp4, "MP4 file", ".mp4"),
        FileKind(Newick, "Newick tree-format file", ".newick", ".nwk", ".tree"),
        FileKind(Biom, "BIOM format", ".biom"),
        FileKind(Csv, "CSV file", ".csv"),
        FileKind(Zip, "ZIP file", ".zip"),
    ];

    private static readonly Dictionary<string, SocketKind> ByCode = All.ToDictionary(k => k.Code, StringComparer.Ordinal);

    public static SocketKind Get(string code) =>
        ByCode.TryGetValue(code, out var kind) ? kind : throw new ArgumentException($"'{code}' is not a socket kind.", nameof(code));

    public static SocketKind? Find(string? code) => code is not null && ByCode.TryGetValue(code, out var kind) ? kind : null;

    /// <summary>A kind named by its code or its label, without regard to case (API clients send either).</summary>
    public static SocketKind? FindByCodeOrLabel(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        return All.FirstOrDefault(k => k.Code.Equals(text, StringComparison.OrdinalIgnoreCase))
            ?? All.FirstOrDefault(k => k.Label.Equals(text, StringComparison.OrdinalIgnoreCase));
    }

    private static SocketKind Json(string code, string label, bool mayStoreInDatabase = true) =>
        new(code, label, SocketKindGroup.Json, ".json", mayStoreInDatabase, JsonUpload);

    private static SocketKind ImageKind(string code, string label, string? unsupported = null) =>
        new(code, label, SocketKindGroup.Image, null, false, [], unsupported);

    private static SocketKind FileKind(string code, string label, string extension, params string[] alsoAccepted) =>
        new(code, label, SocketKindGroup.File, extension, false, [extension, .. alsoAccepted]);
}
