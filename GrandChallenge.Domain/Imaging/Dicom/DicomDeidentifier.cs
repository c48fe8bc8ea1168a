using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace GrandChallenge.Domain.Imaging.Dicom;

/// <summary>What the de-identifier does with an attribute (DICOM PS3.15 Annex E action codes).</summary>
public enum DeidentificationAction
{
    /// <summary>X: removed.</summary>
    Remove,

    /// <summary>Z: kept with an empty value.</summary>
    Empty,

    /// <summary>D: replaced by the patient pseudonym.</summary>
    Pseudonym,

    /// <summary>U: replaced by a UID derived from the original with the destination's key.</summary>
    RemapUid,
}

/// <summary>
/// DICOM PS3.15 Annex E Basic Application Level Confidentiality Profile, as documented in DEIDENTIFICATION.md:
/// the attributes of <see cref="Table"/> are removed, emptied, pseudonymised or remapped; private attributes,
/// curves, overlays and sequences are removed; everything else is kept. UIDs become <c>2.25.&lt;decimal&gt;</c>
/// from an HMAC-SHA256 under the key, so one key maps a UID to the same new UID in every import, and
/// different keys to unrelated ones.
/// </summary>
public sealed class DicomDeidentifier
{
    public const string MethodDescription = "DICOM PS3.15 Annex E Basic Application Level Confidentiality Profile (GrandChallenge.NET)";

    public static IReadOnlyDictionary<uint, (string Name, DeidentificationAction Action)> Table { get; } =
        new Dictionary<uint, (string, DeidentificationAction)>
        {
            [0x00020003] = ("Media Storage SOP Instance UID", DeidentificationAction.RemapUid),
            [0x00080012] = ("Instance Creation Date", DeidentificationAction.Remove),
            [0x00080013] = ("Instance Creation Time", DeidentificationAction.Remove),
            [0x00080014] = ("Instance Creator UID", DeidentificationAction.RemapUid),
            [0x00080018] = ("SOP Instance UID", DeidentificationAction.RemapUid),
            [0x00080020] = ("Study Date", DeidentificationAction.Empty),
            [0x00080021] = ("Series Date", DeidentificationAction.Remove),
            [0x00080022] = ("Acquisition Date", DeidentificationAction.Remove),
            [0x00080023] = ("Content Date", DeidentificationAction.Empty),
            [0x00080024] = ("Overlay Date", DeidentificationAction.Remove),
            [0x00080025] = ("Curve Date", DeidentificationAction.Remove),
            [0x0008002A] = ("Acquisition DateTime", DeidentificationAction.Remove),
            [0x00080030] = ("Study Time", DeidentificationAction.Empty),
            [0x00080031] = ("Series Time", DeidentificationAction.Remove),
            [0x00080032] = ("Acquisition Time", DeidentificationAction.Remove),
            [0x00080033] = ("Content Time", DeidentificationAction.Empty),
            [0x00080034] = ("Overlay Time", DeidentificationAction.Remove),
            [0x00080035] = ("Curve Time", DeidentificationAction.Remove),
            [0x00080050] = ("Accession Number", DeidentificationAction.Empty),
            [0x00080080] = ("Institution Name", DeidentificationAction.Remove),
            [0x00080081] = ("Institution Address", DeidentificationAction.Remove),
            [0x00080090] = ("Referring Physician's Name", DeidentificationAction.Empty),
            [0x00080092] = ("Referring Physician's Address", DeidentificationAction.Remove),
            [0x00080094] = ("Referring Physician's Telephone Numbers", DeidentificationAction.Remove),
            [0x00080201] = ("Timezone Offset From UTC", DeidentificationAction.Remove),
            [0x00081010] = ("Station Name", DeidentificationAction.Remove),
            [0x00081030] = ("Study Description", DeidentificationAction.Remove),
            [0x0008103E] = ("Series Description", DeidentificationAction.Remove),
            [0x00081040] = ("Institutional Department Name", DeidentificationAction.Remove),
            [0x00081048] = ("Physician(s) of Record", DeidentificationAction.Remove),
            [0x00081050] = ("Performing Physicians' Name", DeidentificationAction.Remove),
            [0x00081060] = ("Name of Physician(s) Reading Study", DeidentificationAction.Remove),
            [0x00081070] = ("Operators' Name", DeidentificationAction.Remove),
            [0x00081080] = ("Admitting Diagnoses Description", DeidentificationAction.Remove),
            [0x00081155] = ("Referenced SOP Instance UID", DeidentificationAction.RemapUid),
            [0x00082111] = ("Derivation Description", DeidentificationAction.Remove),
            [0x00084000] = ("Identifying Comments", DeidentificationAction.Remove),
            [0x00100010] = ("Patient's Name", DeidentificationAction.Pseudonym),
            [0x00100020] = ("Patient ID", DeidentificationAction.Pseudonym),
            [0x00100021] = ("Issuer of Patient ID", DeidentificationAction.Remove),
            [0x00100030] = ("Patient's Birth Date", DeidentificationAction.Empty),
            [0x00100032] = ("Patient's Birth Time", DeidentificationAction.Remove),
            [0x00100040] = ("Patient's Sex", DeidentificationAction.Empty),
            [0x00101000] = ("Other Patient IDs", DeidentificationAction.Remove),
            [0x00101001] = ("Other Patient Names", DeidentificationAction.Remove),
            [0x00101005] = ("Patient's Birth Name", DeidentificationAction.Remove),
            [0x00101010] = ("Patient's Age", DeidentificationAction.Remove),
            [0x00101020] = ("Patient's Size", DeidentificationAction.Remove),
            [0x00101030] = ("Patient's Weight", DeidentificationAction.Remove),
            [0x00101040] = ("Patient's Address", DeidentificationAction.Remove),
            [0x00101060] = ("Patient's Mother's Birth Name", DeidentificationAction.Remove),
            [0x00101090] = ("Medical Record Locator", DeidentificationAction.Remove),
            [0x00102154] = ("Patient's Telephone Numbers", DeidentificationAction.Remove),
            [0x00102160] = ("Ethnic Group", DeidentificationAction.Remove),
            [0x00102180] = ("Occupation", DeidentificationAction.Remove),
            [0x001021B0] = ("Additional Patient History", DeidentificationAction.Remove),
            [0x001021F0] = ("Patient's Religious Preference", DeidentificationAction.Remove),
            [0x00104000] = ("Patient Comments", DeidentificationAction.Remove),
            [0x00181000] = ("Device Serial Number", DeidentificationAction.Remove),
            [0x00181030] = ("Protocol Name", DeidentificationAction.Remove),
            [0x00181400] = ("Acquisition Device Processing Description", DeidentificationAction.Remove),
            [0x0018700A] = ("Detector ID", DeidentificationAction.Remove),
            [0x0020000D] = ("Study Instance UID", DeidentificationAction.RemapUid),
            [0x0020000E] = ("Series Instance UID", DeidentificationAction.RemapUid),
            [0x00200010] = ("Study ID", DeidentificationAction.Empty),
            [0x00200052] = ("Frame of Reference UID", DeidentificationAction.RemapUid),
            [0x00200200] = ("Synchronization Frame of Reference UID", DeidentificationAction.RemapUid),
            [0x00204000] = ("Image Comments", DeidentificationAction.Remove),
            [0x00209161] = ("Concatenation UID", DeidentificationAction.RemapUid),
            [0x00209164] = ("Dimension Organization UID", DeidentificationAction.RemapUid),
            [0x00321032] = ("Requesting Physician", DeidentificationAction.Remove),
            [0x00321060] = ("Requested Procedure Description", DeidentificationAction.Remove),
            [0x00324000] = ("Study Comments", DeidentificationAction.Remove),
            [0x00380010] = ("Admission ID", DeidentificationAction.Remove),
            [0x00380300] = ("Current Patient Location", DeidentificationAction.Remove),
            [0x00380400] = ("Patient's Institution Residence", DeidentificationAction.Remove),
            [0x00400244] = ("Performed Procedure Step Start Date", DeidentificationAction.Remove),
            [0x00400245] = ("Performed Procedure Step Start Time", DeidentificationAction.Remove),
            [0x00400253] = ("Performed Procedure Step ID", DeidentificationAction.Remove),
            [0x00400254] = ("Performed Procedure Step Description", DeidentificationAction.Remove),
            [0x00401001] = ("Requested Procedure ID", DeidentificationAction.Remove),
            [0x00402016] = ("Placer Order Number / Imaging Service Request", DeidentificationAction.Remove),
            [0x00402017] = ("Filler Order Number / Imaging Service Request", DeidentificationAction.Remove),
            [0x0040A124] = ("UID", DeidentificationAction.RemapUid),
            [0x00880140] = ("Storage Media File-set UID", DeidentificationAction.RemapUid),
            [0x30060024] = ("Referenced Frame of Reference UID", DeidentificationAction.RemapUid),
            [0x300600C2] = ("Related Frame of Reference UID", DeidentificationAction.RemapUid),
        };

    private const uint PatientIdTag = 0x00100020;
    private const uint PatientNameTag = 0x00100010;

    private readonly byte[] _key;

    public DicomDeidentifier(byte[] key)
    {
        if (key.Length < 16)
        {
            throw new ArgumentException("A de-identification key needs at least 16 bytes.", nameof(key));
        }

        _key = key.ToArray();
    }

    /// <summary>The de-identified top-level attributes of <paramref name="data"/>; pixel data and sequences are not part of it.</summary>
    public Dictionary<uint, DicomElement> Deidentify(DicomDataSet data)
    {
        var pseudonym = Pseudonym(data.GetString(PatientIdTag) ?? "", data.GetString(PatientNameTag) ?? "");
        var result = new Dictionary<uint, DicomElement>();
        foreach (var (tag, element) in data.Elements)
        {
            if (element.Items is not null || tag == DicomFile.PixelDataTag || IsAlwaysRemoved(tag))
            {
                continue;
            }

            if (!Table.TryGetValue(tag, out var entry))
            {
                result[tag] = element;
                continue;
            }

            switch (entry.Action)
            {
                case DeidentificationAction.Empty:
                    result[tag] = element with { Value = [] };
                    break;
                case DeidentificationAction.Pseudonym:
                    result[tag] = element with { Value = Encoding.ASCII.GetBytes(pseudonym) };
                    break;
                case DeidentificationAction.RemapUid:
                    var uid = new DicomDataSet(data.Elements).GetString(tag);
                    if (!string.IsNullOrEmpty(uid))
                    {
                        result[tag] = element with { Value = Encoding.ASCII.GetBytes(RemapUid(uid)) };
                    }

                    break;
            }
        }

        result[0x00120062] = new DicomElement(0x00120062, "CS", "YES"u8.ToArray());
        result[0x00120063] = new DicomElement(0x00120063, "LO", Encoding.ASCII.GetBytes(MethodDescription));
        return result;
    }

    /// <summary>A UID derived from <paramref name="uid"/> under this key, in the <c>2.25.&lt;decimal&gt;</c> form (at most 44 characters).</summary>
    public string RemapUid(string uid)
    {
        var hash = HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes("uid:" + uid.Trim()));
        var value = new BigInteger(hash.AsSpan(0, 16), isUnsigned: true, isBigEndian: true);
        return "2.25." + value.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The patient pseudonym under this key: the same original patient ID (or name, when there is no ID) gives the same pseudonym.</summary>
    public string Pseudonym(string patientId, string patientName)
    {
        var source = patientId.Length > 0 ? "id:" + patientId.Trim() : "name:" + patientName.Trim();
        var hash = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes("patient:" + source));
        return "GC-" + Convert.ToHexString(hash, 0, 8);
    }

    // Private attributes (odd groups), curves (50xx) and overlay data and comments (60xx,3000 / 60xx,4000).
    private static bool IsAlwaysRemoved(uint tag)
    {
        var group = tag >> 16;
        var element = tag & 0xFFFF;
        return (group & 1) == 1
            || group is >= 0x5000 and <= 0x50FF
            || (group is >= 0x6000 and <= 0x60FF && element is 0x3000 or 0x4000);
    }
}
