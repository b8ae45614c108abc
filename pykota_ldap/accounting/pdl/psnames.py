"""The PostScript names the fast path knows (see :mod:`psprogram`).

``SYSTEM_NAMES``: what Ghostscript 10.0 defines in systemdict (its operators
and procedures, without the internal ones starting with a dot), from
``systemdict {pop =} forall``. A job that defines one of these itself could
later reach the system's own version (a definition in a dictionary it
ends), so such definitions are not believed. ``SAFE``: the operators a
plain page description may use.
"""

SYSTEM_NAMES = frozenset(b"""
$error << = == === ===only ==only =only =print >> ALLOWPSTRANSPARENCY AdobeGlyphList
AladdinEnterprisesXUID BATCH CCFONTDEBUG CFFDEBUG CMAPDEBUG CMERGE_DEBUG DEBUG DEFAULTPAPERSIZE
DELAYBIND DEVICEHEIGHTPOINTS DEVICEWIDTHPOINTS DISPLAYING DOCIEDEBUG DOPS DeviceCMYK_array
DeviceGray_array DeviceRGB_array DingbatsEncoding EMULATORS EPSBoundingBoxState EPSDEBUG ESTACKPRINT
EncodingDirectory ErrorNames FAKEFONTS FAPIDEBUG FIXEDMEDIA FIXEDRESOLUTION FONTPATH FontDirectory
GlobalFontDirectory INITDEBUG INITFILES ISOLatin1Encoding JOBSERVER LIBPATH LOCALFONTS
LocalFontDirectory NEWPDF NOBIND NOCACHE NOCCFONTS NOCIE NODISPLAY NOFONTMAP NOFONTPATH NOGC
NOMEDIAATTRS NOOUTERSAVE NOPAGEPROMPT NOPAUSE NOPLATFONTS NOPROMPT NOPSICC NOSUBSTDEVICECOLORS
NOTRANSPARENCY NewPDF_FitPage NullFont OLDSAFER ORIENT1 OSTACKPRINT PAPERSIZE PDFDEBUG
PDFNOCIDFALLBACK PDFSTEP PDFSTOPONERROR PDFSTOPONWARNING PDFWRDEBUG QUIET RENDERTTNOTDEF RESMPDEBUG
ReverseAdobeGlyphList SAFER SAFERERRORS SAFETY SETPDDEBUG SHORTERRORS SharedFontDirectory
StandardEncoding StartJobPassword SymbolEncoding SystemParamsPassword TTFDEBUG TTYPAUSE
USE_CIDCHAR_AS_RANGE VGIFDEBUG VJPGDEBUG VMDEBUG WRITEDICTS WRITESYSTEMDICT [ ] abs add aload
anchorsearch anchorsearchforany and arc arccos arcn arcsin arct arcto array ashow astore atan
awidthshow begin bind bitshift buildfontdict buildtime bytesavailable cachestatus ceiling charpath
clear cleardictstack cleartomark clip clippath cliprestore clipsave closefile closepath colorimage
colorspacedict composefont concat concatmatrix concatstrings copy copy_embedded_file copyarray
copydevice copypage copyright copyscanlines cos count countdictstack countexecstack counttomark
cshow currentblackgeneration currentcacheparams currentcmykcolor currentcolor currentcolorrendering
currentcolorscreen currentcolorspace currentcolortransfer currentdash currentdevice currentdevparams
currentdict currentdistillerparams currentfile currentflat currentfont currentglobal currentgray
currentgstate currenthalftone currenthsbcolor currentlinecap currentlinejoin currentlinewidth
currentmatrix currentmiterlimit currentobjectformat currentoverprint currentoverprintmode
currentpacking currentpagedevice currentpoint currentrgbcolor currentscreen currentshared
currentsmoothness currentstrokeadjust currentsystemparams currenttransfer currentundercolorremoval
currentuserparams curveto customcolorimage cvi cvlit cvn cvr cvrs cvs cvx def defaultdevice
defaultfontmap defaultfontmap_content defaultfontname defaultmatrix definefont defineresource
defineuserobject deletefile determine_post_eof_count devforall devformat devicedict devicenames
devstatus dict dictstack div dopdfpages dtransform dup dup_obj_gen_num echo eexec end eoclip eofill
eq erasepage errordict exch exec execform execstack execuserobject execute0 executeonly executive
exit exp false file filenameforall fileposition fill filter findcmykcustomcolor findcolorrendering
finddevice findencoding findfont findlibfile findprotodevice findresource findrgbcustomcolor
first_post_string flattenpath floor flush flushfile flushpage for forall gcheck ge get
getdeviceprops getinterval getsystemparam getuserparam globaldict glyphshow grestore grestoreall
gsave gserrordict gstate gt handleerror identmatrix idiv idtransform if ifelse image imagemask index
ineofill infill initclip initgraphics initmatrix instroke internaldict inueofill inufill inustroke
invertmatrix itransform known kshow languagelevel le length level2dict lineto ll3dict ln load
loadallfonts localinstancedict log loop lt makefont makeimagedevice makepattern mark matrix max
maxlength min mod moveto mul ne neg newpath newpdf_check_empty_box newpdf_device_setup
newpdf_dopdfpages newpdf_gather_parameters newpdf_get_any_box newpdf_get_media_box newpdf_pagecount
newpdf_pdfclose newpdf_pdfformaterror newpdf_pdfgetpage newpdf_pdfopen newpdf_pdfshowpage
newpdf_pdfshowpage_finish newpdf_pdfshowpage_init newpdf_pdfshowpage_setpage
newpdf_process_trailer_attrs newpdf_runpdf newpdf_runpdfbegin newpdf_runpdfend
newpdf_runpdfpagerange newpdf_set_pagesize noaccess not null nulldevice or packedarray pathbbox
pathforall pdf===only pdf_collection_names pdfavailable pdfmark pop post_eof_count print print_xref
print_xref_warning printobject product productfamily prompt pssystemparams pstack psuserparams put
putdeviceprops putinterval quit rand rcheck rcurveto read readhexstring readline readonly readstring
realtime recover_xref_data rectclip rectfill rectstroke renamefile repeat resetfile resourceforall
resourcestatus restore reversepath revision revisiondate rlineto rmoveto roll rootfont rotate round
rrand rsearch run runlibfile runpdf runpdfbegin runpdfend runpdfpagerange save scale scalefont
scheck search search_earlier_trailer search_end_trailer search_objects search_start_trailer
search_trailer selectdevice selectfont separationimage serialnumber serverdict setbbox
setblackgeneration setcachedevice setcachedevice2 setcachelimit setcacheparams setcharwidth
setcmykcolor setcmykoverprint setcolor setcolorrendering setcolorscreen setcolorspace
setcolortransfer setcustomcolor setdash setdevice setdevparams setdistillerparams setfileposition
setflat setfont setglobal setgray setgstate sethalftone sethsbcolor setlinecap setlinejoin
setlinewidth setmatrix setmiterlimit setobjectformat setoverprint setoverprintmode setpacking
setpagedevice setpattern setrgbcolor setscreen setseparationgray setshared setsmoothness
setstrokeadjust setsystemparams settransfer setucacheparams setundercolorremoval setuserparams
setvmthreshold setxrefentry shareddict shfill show showpage signalerror signaloperror sin sqrt srand
stack start startjob status statusdict stop stopped store string stringwidth stroke strokepath sub
systemdict t1_glyph_equivalence token transform translate true truncate type typed_token uappend
ucache ucachestatus ueofill ufill undef undefinefont undefineresource undefineuserobject upath
userdict userparams usertime ustroke ustrokepath version vmreclaim vmstatus wcheck where widthshow
write write= write== write=== write===only write==only write=only writehexstring writeobject
writestring xcheck xor xshow xyshow yshow
""".split())

SAFE = frozenset(b"""
pop exch dup copy index roll clear count mark cleartomark counttomark
add sub mul div idiv mod abs neg ceiling floor round truncate sqrt atan cos sin exp ln log
cvi cvr rand srand rrand max min
eq ne ge gt le lt and not or xor bitshift true false null
array length aload astore string dict maxlength begin end def known store currentdict userdict
cvn cvlit xcheck type readonly executeonly noaccess rcheck wcheck gcheck bind load where get
put if ifelse repeat loop for stopped exit stop
save restore vmstatus setglobal currentglobal setpacking currentpacking languagelevel version
matrix identmatrix initmatrix defaultmatrix currentmatrix setmatrix translate scale rotate concat concatmatrix
transform dtransform itransform idtransform invertmatrix
gsave grestore grestoreall initgraphics setlinewidth currentlinewidth setlinecap currentlinecap setlinejoin
currentlinejoin setmiterlimit currentmiterlimit setdash currentdash setflat currentflat setstrokeadjust
currentstrokeadjust setgray currentgray setrgbcolor currentrgbcolor sethsbcolor currenthsbcolor setcmykcolor
currentcmykcolor setcolorspace setcolor setoverprint currentoverprint setsmoothness setoverprintmode
clipsave cliprestore settransfer
newpath moveto rmoveto lineto rlineto curveto rcurveto arc arcn arct arcto closepath flattenpath reversepath
strokepath charpath clippath pathbbox initclip clip eoclip rectclip currentpoint
erasepage fill eofill stroke rectfill rectstroke shfill
findfont scalefont makefont setfont selectfont currentfont show ashow widthshow awidthshow xshow xyshow yshow
glyphshow stringwidth definefont StandardEncoding ISOLatin1Encoding
currentpagedevice setpagedevice print flush
""".split())
PAGE_OPERATORS = frozenset((b"showpage", b"copypage"))
# Operators that are safe only in the forms psrules allows.
CONSTRAINED = frozenset(b"get load where cvn copy put if ifelse repeat loop for stopped settransfer "
                        b"setpagedevice".split())
NEED_PROCEDURE = {b"if": 1, b"ifelse": 2, b"repeat": 1, b"loop": 1, b"for": 1, b"stopped": 1, b"settransfer": 1}
COPIES_NAMES = frozenset((b"#copies", b"NumCopies"))
PAGE_HOOKS = frozenset((b"EndPage", b"BeginPage"))
# A string holding one of these could become the name in a definition.
SENSITIVE_TEXT = (b"#copies", b"NumCopies", b"EndPage", b"BeginPage", b"showpage", b"copypage",
                  b"setpagedevice")
PLAIN_OPERATORS = SAFE - CONSTRAINED
PUT_TARGETS = frozenset((b"userdict", b"currentdict", b"dict", b"array"))
NOT_PLAIN_LITERALS = SYSTEM_NAMES | PAGE_OPERATORS | COPIES_NAMES | PAGE_HOOKS
SPELLED = SAFE | SYSTEM_NAMES
NOT_PAGE_DEVICE_KEYS = COPIES_NAMES | PAGE_HOOKS | SYSTEM_NAMES | PAGE_OPERATORS
LITERAL_KINDS = frozenset(("int", "num", "str", "lit", "dict", "array"))
LITERAL_NAMES = frozenset((b"true", b"false", b"null"))

# What CUPS' pstops writes for copies (the number comes first, on the stack).
PSTOPS_COPIES = [
    [("lit", b"languagelevel"), ("name", b"where")],
    [("name", b"pop"), ("name", b"languagelevel"), ("int", 2), ("name", b"ge")],
    [("name", b"false")],
    [("name", b"ifelse")],
    [("int", 1), ("name", b"dict"), ("name", b"begin"), ("lit", b"NumCopies"), ("name", b"exch"),
     ("name", b"def"), ("name", b"currentdict"), ("name", b"end"), ("name", b"setpagedevice")],
    [("name", b"userdict"), ("lit", b"#copies"), ("int", 3), ("int", -1), ("name", b"roll"), ("name", b"put")],
    [("name", b"ifelse")],
]
